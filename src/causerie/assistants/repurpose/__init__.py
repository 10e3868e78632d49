"""The repurpose assistant: one long piece of a notebook becomes a thread, a LinkedIn post, a
newsletter section, a blog outline, a short-video script, Bluesky and Mastodon posts; each
within its platform's limits (formats), each sentence citing its passage and checked against
it in code (check), what was refused listed with why.

Modules: formats (length rules), drafts (what a run makes), check (the checker), writer (the
model's part), assemble (drafts within their rules), pipeline (the steps), tasks (the job and
the saved runs), cli, web, register.
"""
