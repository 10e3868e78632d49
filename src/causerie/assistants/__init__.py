"""Assistants: recipes over the one data path (store -> retriever -> provider -> checks).

Each assistant reuses the engine's pieces (retrieval, relevance gate, fenced context, citation
checks) and adds its own prompts, schemas and checks; none is a second path for the data.

- `causerie.assistants.study`: explanations, a Socratic tutor, study guides, quizzes and
  flashcards scheduled with FSRS.
"""
