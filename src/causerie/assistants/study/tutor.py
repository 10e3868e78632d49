"""A Socratic tutor: it asks, checks the student's replies against the sources, hints, and
hands over an answer only when asked for it twice.

    tutor = Tutor(engine, owner, notebook, "photosynthesis")
    turn = tutor.start()       # the first guiding question (or: the notebook does not cover it)
    turn = tutor.reply("...")  # feedback, a hint, the next question, or the answer if asked twice

Passages come from the engine's own search and relevance gate (`Engine.find_passages`, what
`ask` answers from; a topic the notebook does not cover gets that answer, without calling the
model). For each passage the model writes one guiding question with its answer and a hint,
checked in code like a quiz item (the answer in the passage, the question and the hint not
giving it away); replies are graded like short answers. Every turn that states a fact cites
its passage.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from causerie.assistants.kit import support
from causerie.assistants.kit.language import prompt_name, text_language
from causerie.assistants.kit.passages import fenced, is_usable
from causerie.assistants.kit.structured import generate, text_field
from causerie.assistants.study.grading import grade
from causerie.assistants.study.phrases import say
from causerie.assistants.study.quiz import SYSTEM, ItemChecker, QuizItem
from causerie.errors import InputError
from causerie.session import Engine
from causerie.types import Citation, Hit, Message, Notebook, Owner

MAX_STEPS = 4  # guiding questions per topic

# Replies that ask for help rather than answer (the first gets a hint, the second the answer).
_HELP_PHRASE = re.compile(
    r"\b(hint|help|i (don'?t|do not) know|no idea|tell me|give me|show me|what'?s the answer"
    r"|what is the answer|indice|aide[- ]moi|je (ne )?sais pas|aucune id[ée]e|dis[- ]moi"
    r"|donne[- ]moi|quelle est la r[ée]ponse)\b",
    re.IGNORECASE,
)
_HELP_WHOLE = re.compile(r"^\s*(\?+|pass|(the )?answer|(la )?r[ée]ponse)\s*[?!.]*\s*$", re.I)


def asks_for_help(text: str) -> bool:
    return bool(_HELP_WHOLE.match(text) or _HELP_PHRASE.search(text))


@dataclass(frozen=True, slots=True)
class Step:
    item: QuizItem
    hint: str


@dataclass(frozen=True, slots=True)
class TutorTurn:
    text: str
    citations: tuple[Citation, ...] = ()
    question: str | None = None  # the question now waiting for a reply
    done: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "question": self.question,
            "done": self.done,
            "citations": [c.to_json() for c in self.citations],
        }


TUTOR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "question": {"type": "string"},
        "answer": {"type": "string"},
        "hint": {"type": "string"},
    },
    "required": ["question", "answer", "hint"],
}


def step_messages(hit: Hit, topic: str, language: str) -> list[Message]:
    user = (
        f"{fenced(hit)}\n\n"
        f"A student is learning about: {topic}\n"
        "Write one guiding question that leads the student to find a key idea of this passage "
        "by thinking, not by reading it out.\n"
        '- "question": the guiding question; it must not contain the answer.\n'
        '- "answer": the expected answer: a few words copied from the passage.\n'
        '- "hint": a clue that points towards the answer without giving it.\n'
        f"Write all three in {prompt_name(language)}."
    )
    return [Message("system", SYSTEM), Message("user", user)]


class _StepChecker:
    def __init__(self, hit: Hit, language: str, engine: Engine) -> None:
        self.item_checker = ItemChecker(hit, "short", language, engine.embedder)
        self.hit = hit

    def __call__(self, data: dict[str, Any]) -> Step:
        item = self.item_checker(data)
        hint = text_field(data, "hint", 300)
        if support.gives_away(hint, item.answer):
            hint = cloze(support.best_sentence(self.hit.chunk.text, item.answer), item.answer)
        return Step(item, hint)


def cloze(sentence: str, answer: str) -> str:
    """The sentence with the answer's words blanked: a hint that shows where to look."""
    key = support.answer_key(answer)
    blanked = []
    for token in re.split(r"(\W+)", sentence):
        blanked.append("____" if token and support.answer_key(token) & key else token)
    return re.sub(r"____(\W{0,2}____)+", "____", "".join(blanked))


@dataclass
class _State:
    steps_made: int = 0
    asked: int = 0
    right_alone: int = 0
    help_requests: int = 0
    current: Step | None = None
    passages: list[Hit] = field(default_factory=list)


class Tutor:
    def __init__(
        self,
        engine: Engine,
        owner: Owner,
        notebook: Notebook,
        topic: str,
        language: str | None = None,
        max_steps: int = MAX_STEPS,
    ) -> None:
        topic = " ".join(topic.split())
        if not topic:
            raise InputError("topic", "is empty")
        self.engine, self.owner, self.notebook, self.topic = engine, owner, notebook, topic
        self.language = language
        self.max_steps = max_steps
        self.state = _State()

    # ------------------------------------------------------------------ turns

    def start(self) -> TutorTurn:
        _, relevant = self.engine.find_passages(self.owner, self.notebook, self.topic)
        self.state.passages = [h for h in relevant if is_usable(h)][: self.max_steps]
        if self.language is None:
            self.language = text_language(self.topic, [h.source.language for h in relevant])
        if not self.state.passages:
            return TutorTurn(say("not_covered", self.language, topic=self.topic), done=True)
        return self._next_question(lead="")

    def reply(self, text: str) -> TutorTurn:
        step = self.state.current
        if step is None:
            return TutorTurn(self.summary(), done=True)
        item, language = step.item, step.item.language
        if asks_for_help(text) or not text.strip():
            self.state.help_requests += 1
            if self.state.help_requests == 1:
                hint = f"{say('hint', language, hint=step.hint)} {say('ask_again', language)}"
                return TutorTurn(hint, (item.citation,), question=item.question)
            reveal = (f"{say('reveal', language, answer=item.answer)} "
                      f"{say('why', language, explanation=item.explanation)} [1]")  # fmt: skip
            return self._next_question(lead=reveal, cited=item.citation)
        graded = grade(item, text, embedder=self.engine.embedder)
        if graded.correct:
            self.state.right_alone += self.state.help_requests == 0
            why = say("why", language, explanation=item.explanation)
            lead = f"{say('correct', language)} {why} [1]"
            return self._next_question(lead=lead, cited=item.citation)
        nudge = say("close" if graded.verdict == "partial" else "try_again", language)
        return TutorTurn(f"{nudge} {say('hint', language, hint=step.hint)}", (item.citation,),
                         question=item.question)  # fmt: skip

    # ------------------------------------------------------------------ steps

    def _next_question(self, lead: str, cited: Citation | None = None) -> TutorTurn:
        self.state.help_requests = 0
        step = self._make_step()
        self.state.current = step
        cites = (cited,) if cited else ()
        if step is None:
            closing = (
                self.summary()
                if self.state.asked
                else say("tutor_none", self.language or "en", topic=self.topic)
            )
            return TutorTurn(f"{lead}\n\n{closing}".strip(), cites, done=True)
        self.state.asked += 1
        text = step.item.question
        if lead:
            text = f"{lead}\n\n{say('next', step.item.language)} {text}"
        return TutorTurn(text, cites, question=step.item.question)

    def _make_step(self) -> Step | None:
        while self.state.passages:
            hit = self.state.passages.pop(0)
            language = self.language or hit.source.language
            outcome = generate(
                self.engine.provider,
                step_messages(hit, self.topic, language),
                TUTOR_SCHEMA,
                _StepChecker(hit, language, self.engine),
            )
            if outcome.value is not None:
                return outcome.value
        return None

    def summary(self) -> str:
        return say("tutor_done", self.language or "en", topic=self.topic,
                   right=self.state.right_alone, asked=self.state.asked)  # fmt: skip
