"""The one loop every surface runs: retrieve -> gate -> prompt -> stream -> check -> save.

`Engine.ask` yields SessionEvents; the CLI, the web page and the API render the same stream.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from causerie import grounding
from causerie.config import Settings
from causerie.embedders.base import Embedder
from causerie.errors import InputError
from causerie.providers.base import Provider
from causerie.retrieval import Retriever, contextualise
from causerie.store.base import Store
from causerie.types import (
    Citation,
    Finish,
    GenerationOptions,
    Hit,
    Message,
    Notebook,
    Owner,
    StoredMessage,
    TextDelta,
    Usage,
)

HISTORY_TURNS = 2  # earlier exchanges replayed to the model (small models lose focus on more)
MAX_QUESTION_CHARS = 4000


@dataclass(frozen=True, slots=True)
class Retrieved:
    query: str
    mode: str
    hits: list[Hit]  # the relevant ones, best first, numbered in this order in the prompt
    vectors_ready: float


@dataclass(frozen=True, slots=True)
class Answer:
    text: str
    language: str
    abstained: bool
    interrupted: bool
    citations: list[Citation]
    dropped_markers: list[int]
    unsupported_sentences: int
    usage: Usage
    timings: dict[str, float]
    conversation_id: str | None
    message_id: str | None
    error: str | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "answer": self.text,
            "abstained": self.abstained,
            "interrupted": self.interrupted,
            "citations": [c.to_dict() for c in self.citations],
            "usage": self.usage.to_dict(),
            "timings": self.timings,
            "language": self.language,
            "checks": {
                "dropped_markers": self.dropped_markers,
                "unsupported_sentences": self.unsupported_sentences,
            },
            "conversation_id": self.conversation_id,
        }


SessionEvent = Retrieved | TextDelta | Answer


@dataclass(frozen=True, slots=True)
class Guidance:
    """How an assistant shapes one grounded answer without leaving the loop: other system
    rules (None: the default ones), an instruction after the question, another token budget.
    Retrieval, the relevance gate and the citation checks are the same."""

    system: str | None = None
    instruction: str = ""
    max_tokens: int | None = None


@dataclass
class _Turn:
    """What one ask() accumulates while it streams."""

    started: float = field(default_factory=time.perf_counter)
    timings: dict[str, float] = field(default_factory=dict)
    usage: Usage = field(default_factory=Usage)
    interrupted: bool = False
    error: str | None = None

    def mark(self, name: str) -> None:
        self.timings[name] = round((time.perf_counter() - self.started) * 1000, 1)


class Engine:
    def __init__(
        self,
        store: Store,
        provider: Callable[[], Provider],
        embedder: Embedder | None,
        settings: Settings,
    ) -> None:
        self.store = store
        self._provider_factory = provider
        self._provider: Provider | None = None
        self.embedder = embedder
        self.settings = settings
        self.retriever = Retriever(store, embedder)

    @property
    def provider(self) -> Provider:
        if self._provider is None:
            self._provider = self._provider_factory()
        return self._provider

    def ask(
        self,
        owner: Owner,
        notebook: Notebook,
        question: str,
        conversation_id: str | None = None,
        save: bool = True,
        *,
        guidance: Guidance | None = None,
    ) -> Iterator[SessionEvent]:
        question = question.strip()
        if not question:
            raise InputError("question", "is empty")
        if len(question) > MAX_QUESTION_CHARS:
            raise InputError("question", f"is longer than {MAX_QUESTION_CHARS} characters")
        turn = _Turn()
        earlier = self._earlier_messages(owner, conversation_id)
        query = contextualise(question, [m.content for m in earlier if m.role == "user"])
        language = grounding.question_language(question)

        retrieval = self.retriever.search(owner, notebook.id, query, self.settings.top_k * 2)
        turn.timings.update({k: round(v, 1) for k, v in retrieval.timings_ms.items()})
        relevant = grounding.relevant_hits(query, retrieval.hits)[: self.settings.top_k]
        sources = grounding.pack_context(relevant, self.settings.context_tokens)
        turn.mark("retrieval_ms")
        yield Retrieved(query, retrieval.mode, [s.hit for s in sources], retrieval.vectors_ready)

        if save and conversation_id is None:
            conversation_id = self.store.create_conversation(owner, notebook.id, question[:80]).id
        if save and conversation_id is not None:
            self.store.add_message(owner, conversation_id, "user", question)

        checker = grounding.CitationChecker(sources, language, self.embedder)
        if sources:
            history = [Message(m.role, m.content) for m in earlier[-2 * HISTORY_TURNS :]]
            guide = guidance or Guidance()
            messages = grounding.build_messages(
                question,
                sources,
                language,
                history,
                system=guide.system or grounding.SYSTEM_PROMPT,
                instruction=guide.instruction,
            )
            try:
                for text in self._generate(messages, checker, turn, guide.max_tokens):
                    yield TextDelta(text)
            except GeneratorExit:  # the reader stopped (Ctrl-C, stop button): keep the partial
                turn.interrupted = True
                checker.flush()
                self._finish(owner, checker, turn, conversation_id, save)
                raise
        yield from self._closing(owner, checker, turn, language, conversation_id, save, notebook)

    # ------------------------------------------------------------------ steps

    def _earlier_messages(self, owner: Owner, conversation_id: str | None) -> list[StoredMessage]:
        if conversation_id is None:
            return []
        return self.store.list_messages(owner, conversation_id)

    def _generate(
        self,
        messages: list[Message],
        checker: grounding.CitationChecker,
        turn: _Turn,
        max_tokens: int | None = None,
    ) -> Iterator[str]:
        options = GenerationOptions(
            max_tokens=max_tokens or self.settings.max_answer_tokens,
            temperature=self.settings.temperature,
        )
        for event in self.provider.stream(messages, options):
            if isinstance(event, TextDelta):
                if "first_token_ms" not in turn.timings:
                    turn.mark("first_token_ms")
                checked = checker.feed(event.text)
                if checked:
                    yield checked
            elif isinstance(event, Usage):
                turn.usage = event
            elif isinstance(event, Finish):
                turn.interrupted = event.reason == "interrupted"
                turn.error = event.error

    def _closing(
        self,
        owner: Owner,
        checker: grounding.CitationChecker,
        turn: _Turn,
        language: str,
        conversation_id: str | None,
        save: bool,
        notebook: Notebook,
    ) -> Iterator[SessionEvent]:
        if turn.interrupted:
            rest = checker.flush()
        elif not checker.sources:  # nothing relevant was found: say so, do not guess
            empty = self.store.count_chunks(owner, notebook.id) == 0
            text = grounding.say(grounding.NO_SOURCES if empty else grounding.ABSTENTION, language)
            checker.result = grounding.CheckedAnswer(text=text, abstained=True)
            rest = text
        else:
            rest = checker.finish()
        if rest:
            yield TextDelta(rest)
        message = self._finish(owner, checker, turn, conversation_id, save)
        result = checker.result
        yield Answer(
            text=result.text,
            language=language,
            abstained=result.abstained,
            interrupted=turn.interrupted,
            citations=sorted(result.citations.values(), key=lambda c: c.marker),
            dropped_markers=result.dropped_markers,
            unsupported_sentences=result.unsupported_sentences,
            usage=turn.usage,
            timings=turn.timings,
            conversation_id=conversation_id,
            message_id=message.id if message else None,
            error=turn.error,
        )

    def _finish(
        self,
        owner: Owner,
        checker: grounding.CitationChecker,
        turn: _Turn,
        conversation_id: str | None,
        save: bool,
    ) -> StoredMessage | None:
        turn.mark("total_ms")
        if not save or conversation_id is None:
            return None
        result = checker.result
        return self.store.add_message(
            owner,
            conversation_id,
            "assistant",
            result.text,
            citations=sorted(result.citations.values(), key=lambda c: c.marker),
            abstained=result.abstained,
            interrupted=turn.interrupted,
        )
