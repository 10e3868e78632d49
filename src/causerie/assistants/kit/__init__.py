"""The shared assistant kit: what every assistant under `causerie.assistants` builds on.

Small modules, each with its own docstring and example:

- `structured`: one JSON object from the model, validated in code, with bounded retries;
  grammar-constrained where the provider has structured output, asked for in the prompt where
  it has not (`generate`, `Rejected`, `text_field`, `text_list`).
- `passages`: passage pools drawn from a notebook or one source, spread over sources
  (`notebook_passages`, `plan_count`), one passage fenced for a prompt (`fenced`), a stored
  passage copy back as a Hit (`hit_from_citation`), a passage nothing came from (`Skipped`).
- `support`: is a generated claim written in its passage (numbers, names, quoted spans,
  content words), are two answers the same, does a text give an answer away.
- `dates`: dates a text states, resolved against the date it was written (FR and EN:
  "vendredi prochain", "within 10 days", "le 13 mars"), and `invented_facts`: the numbers and
  dates a generated text states that its sources do not hold (`find_dates`, `FoundDate`).
- `language`: which language to write in, how a prompt names it, an assistant's own words
  (`Phrasebook`).

With the two engine calls (`causerie.session`): `Engine.ask` (retrieve, then answer) and
`Engine.answer_over` (answer over passages the assistant chose), both ending in an Answer
(`final_answer`), whose citations have one JSON form (`Citation.to_json`).

A sketch of an assistant that writes one checked item per passage, then explains one:

    from causerie.assistants.kit import Rejected, fenced, generate, notebook_passages
    from causerie.assistants.kit import answer_support, plan_count, text_field
    from causerie.session import Guidance, final_answer
    from causerie.types import Citation, Message

    pool = notebook_passages(engine.store, owner, notebook)
    count, notes = plan_count(5, pool, noun="summary")
    for hit in pool.passages[:count]:
        def validate(data):
            line = text_field(data, "summary")
            found = answer_support(line, hit.chunk.text)
            if not found.supported:
                raise Rejected(f"the summary is not in the passage: it {found.reason}")
            return line, Citation.from_hit(hit)

        messages = [Message("system", RULES), Message("user", f"{fenced(hit)}\\n\\n{TASK}")]
        outcome = generate(engine.provider, messages, SCHEMA, validate)

    answer = final_answer(engine.answer_over(owner, notebook, question, pool.passages[:3],
                                             guidance=Guidance(instruction="Be brief.")))
"""

from __future__ import annotations

from causerie.assistants.kit.dates import FoundDate, find_dates, invented_facts
from causerie.assistants.kit.language import (
    Phrasebook,
    check_language,
    prompt_name,
    spoken,
    text_language,
)
from causerie.assistants.kit.passages import (
    Pool,
    Skipped,
    fenced,
    hit_from_citation,
    is_usable,
    notebook_passages,
    plan_count,
    source_named,
)
from causerie.assistants.kit.structured import (
    Outcome,
    Rejected,
    generate,
    parse_object,
    text_field,
    text_list,
)
from causerie.assistants.kit.support import (
    Support,
    answer_support,
    copied_from,
    gives_away,
    names_in,
    same_answer,
)

__all__ = [
    "FoundDate",
    "Outcome",
    "Phrasebook",
    "Pool",
    "Rejected",
    "Skipped",
    "Support",
    "answer_support",
    "check_language",
    "copied_from",
    "fenced",
    "find_dates",
    "generate",
    "gives_away",
    "hit_from_citation",
    "invented_facts",
    "is_usable",
    "names_in",
    "notebook_passages",
    "parse_object",
    "plan_count",
    "prompt_name",
    "same_answer",
    "source_named",
    "spoken",
    "text_field",
    "text_language",
    "text_list",
]
