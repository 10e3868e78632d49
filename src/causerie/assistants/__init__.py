"""Assistants: recipes over the one data path (store -> retriever -> provider -> checks).

Each assistant reuses the engine's two calls (`Engine.ask`: retrieve then answer;
`Engine.answer_over`: answer over passages it chose) and the shared kit, and adds its own
prompts, schemas and checks; none is a second path for the data.

- `causerie.assistants.kit`: the shared kit: structured generation with validation and
  retries, passage pools, support checks, language handling.
- `causerie.assistants.study`: explanations, a Socratic tutor, study guides, quizzes and
  flashcards scheduled with FSRS.
"""
