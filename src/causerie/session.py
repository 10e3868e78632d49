"""The one loop every surface runs: retrieve -> gate -> prompt -> stream -> check -> save.

Two calls run it, and both yield the same SessionEvents (Retrieved, TextDelta..., Answer) that
the CLI, the web page and the API render:

- `Engine.ask(owner, notebook, question)`: retrieve, gate by relevance, then answer;
- `Engine.answer_over(owner, notebook, question, passages)`: answer over passages an assistant
  chose (no retrieval), with the same prompt, citation checks, abstention and saving.

`final_answer(events)` runs a stream to its end and returns its Answer.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterable, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from causerie import grounding
from causerie.config import Settings
from causerie.embedders.base import Embedder
from causerie.errors import InputError
from causerie.ingest.chunking import count_tokens
from causerie.providers.base import Provider
from causerie.retrieval import Retrieval, Retriever, contextualise
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
MESSAGE_OVERHEAD_TOKENS = 8  # a message's role and separators in a chat template
TOKEN_ESTIMATE_MARGIN = 1.15  # count_tokens may undercount a model's tokenizer by ~15 %
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
    rejected: list[str] = field(default_factory=list)  # claims held back, and why

    def to_json(self) -> dict[str, object]:
        return {
            "answer": self.text,
            "abstained": self.abstained,
            "interrupted": self.interrupted,
            "citations": [c.to_json() for c in self.citations],
            "usage": self.usage.to_dict(),
            "timings": self.timings,
            "language": self.language,
            "checks": {
                "dropped_markers": self.dropped_markers,
                "unsupported_sentences": self.unsupported_sentences,
                "rejected": self.rejected,
            },
            "conversation_id": self.conversation_id,
        }


SessionEvent = Retrieved | TextDelta | Answer


def final_answer(
    events: Iterable[SessionEvent], on_text: Callable[[str], None] | None = None
) -> Answer:
    """Run an event stream to its end and return its Answer; `on_text` sees each checked text
    delta as it comes (to show the answer while it streams)."""
    answer: Answer | None = None
    for event in events:
        if isinstance(event, TextDelta) and on_text is not None:
            on_text(event.text)
        elif isinstance(event, Answer):
            answer = event
    if answer is None:
        raise RuntimeError("the engine ended without an answer")
    return answer


async def final_answer_async(events: AsyncIterable[SessionEvent]) -> Answer:
    """`final_answer` for an asynchronous stream (a server relaying the engine's events)."""
    answer: Answer | None = None
    async for event in events:
        if isinstance(event, Answer):
            answer = event
    if answer is None:
        raise RuntimeError("the engine ended without an answer")
    return answer


@dataclass(frozen=True, slots=True)
class Guidance:
    """How an assistant shapes one grounded answer without leaving the loop: other system
    rules (None: the default ones), an instruction after the question, another token budget or
    temperature (None: the settings'). Retrieval, the relevance gate and the citation checks
    are the same."""

    system: str | None = None
    instruction: str = ""
    max_tokens: int | None = None
    temperature: float | None = None


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


def checked_question(question: str) -> str:
    """The question stripped; InputError when it is empty or too long."""
    question = question.strip()
    if not question:
        raise InputError("question", "is empty")
    if len(question) > MAX_QUESTION_CHARS:
        raise InputError("question", f"is longer than {MAX_QUESTION_CHARS} characters")
    return question


class Engine:
    """The one loop over a store, a model (built on first use) and an embedder: `ask` and
    `answer_over` yield Retrieved, then TextDelta..., then the Answer (saved as a turn)."""

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
        """Retrieve the notebook's passages relevant to the question, then answer over the
        best of them (see `answer_over` for the checks). Nothing relevant: an abstention,
        without calling the model. Saved as a conversation turn unless `save` is False."""
        question = checked_question(question)
        turn = _Turn()
        earlier = self._earlier_messages(owner, conversation_id)
        query = contextualise(question, [m.content for m in earlier if m.role == "user"])
        retrieval, relevant = self.find_passages(owner, notebook, query)
        turn.timings.update({k: round(v, 1) for k, v in retrieval.timings_ms.items()})
        sources = grounding.pack_context(
            relevant[: self.settings.top_k], self.settings.context_tokens
        )
        sources = self._fitting(question, sources, earlier, guidance)
        turn.mark("retrieval_ms")
        yield Retrieved(query, retrieval.mode, [s.hit for s in sources], retrieval.vectors_ready)
        yield from self._answer(
            owner, notebook, question, sources, earlier, turn, conversation_id, save, guidance
        )

    def answer_over(
        self,
        owner: Owner,
        notebook: Notebook | None,
        question: str,
        passages: Sequence[Hit],
        conversation_id: str | None = None,
        save: bool = True,
        *,
        guidance: Guidance | None = None,
        language: str | None = None,
    ) -> Iterator[SessionEvent]:
        """Answer over passages an assistant chose, without retrieval or relevance gate.

        The passages are the sources [1]..[n] in the order given (as many as fit the context
        budget, at least one; the Retrieved event, mode "chosen", lists those used). The rest
        is `ask`'s: fenced sources, every [n] checked, uncited sentences attributed or held
        back, an abstention when no sentence is supported (or no passage is given), the turn
        saved. `language` is the answer's (default: the question's). The caller vouches that
        the owner may read every passage: they come from owner-scoped reads or the owner's
        own stored copies (`causerie.assistants.kit.passages.hit_from_citation`).

        Saving needs a conversation: `conversation_id`, or a `notebook` to start one in."""
        question = checked_question(question)
        if save and conversation_id is None and notebook is None:
            raise ValueError("saving an answer needs a conversation_id or a notebook")
        turn = _Turn()
        earlier = self._earlier_messages(owner, conversation_id)
        sources = grounding.pack_context(passages, self.settings.context_tokens)
        sources = self._fitting(question, sources, earlier, guidance)
        yield Retrieved(question, "chosen", [s.hit for s in sources], 1.0)
        yield from self._answer(
            owner,
            notebook,
            question,
            sources,
            earlier,
            turn,
            conversation_id,
            save,
            guidance,
            language=language,
        )

    def find_passages(
        self, owner: Owner, notebook: Notebook, query: str
    ) -> tuple[Retrieval, list[Hit]]:
        """The search `ask` runs, and its relevant hits, best first (not yet cut to top_k):
        where an assistant that chooses its own passages starts."""
        retrieval = self.retriever.search(owner, notebook.id, query, self.settings.top_k * 2)
        return retrieval, grounding.relevant_hits(query, retrieval.hits)

    # ------------------------------------------------------------------ steps

    def _answer(
        self,
        owner: Owner,
        notebook: Notebook | None,
        question: str,
        sources: list[grounding.ContextSource],
        earlier: list[StoredMessage],
        turn: _Turn,
        conversation_id: str | None,
        save: bool,
        guidance: Guidance | None,
        language: str | None = None,
    ) -> Iterator[SessionEvent]:
        """Prompt -> stream -> check -> save, over sources already chosen and numbered."""
        language = language or grounding.question_language(question)
        if save and conversation_id is None and notebook is not None:
            conversation_id = self.store.create_conversation(owner, notebook.id, question[:80]).id
        if save and conversation_id is not None:
            self.store.add_message(owner, conversation_id, "user", question)

        checker = grounding.CitationChecker(sources, language, self.embedder, question=question)
        if sources:
            history = _history(earlier)
            guide = guidance or Guidance()
            messages = grounding.build_messages(
                question,
                sources,
                language,
                history,
                system=guide.system or grounding.system_prompt(language),
                instruction=guide.instruction,
            )
            try:
                for text in self._generate(messages, checker, turn, guide):
                    yield TextDelta(text)
            except GeneratorExit:  # the reader stopped (Ctrl-C, stop button): keep the partial
                turn.interrupted = True
                checker.flush()
                self._finish(owner, checker, turn, conversation_id, save)
                raise
        yield from self._closing(owner, checker, turn, language, conversation_id, save, notebook)

    def _fitting(
        self,
        question: str,
        sources: list[grounding.ContextSource],
        earlier: list[StoredMessage],
        guidance: Guidance | None,
    ) -> list[grounding.ContextSource]:
        """The packed sources, less the last ones while the prompt and the longest answer
        would not fit the model's context window (`Capabilities.context_window`), so the
        context budget never exceeds it. InputError when not even one source fits."""
        if not sources:
            return sources  # an abstention: no prompt, no model
        guide = guidance or Guidance()
        window = self.provider.capabilities.context_window
        answer_tokens = guide.max_tokens or self.settings.max_answer_tokens
        history = _history(earlier)

        def needed(chosen: list[grounding.ContextSource]) -> int:
            language = grounding.question_language(question)
            messages = grounding.build_messages(
                question,
                chosen,
                language,
                history,
                system=guide.system or grounding.system_prompt(language),
                instruction=guide.instruction,
            )
            prompt = sum(count_tokens(m.content) + MESSAGE_OVERHEAD_TOKENS for m in messages)
            return round(prompt * TOKEN_ESTIMATE_MARGIN) + answer_tokens

        fitted = list(sources)
        while fitted and needed(fitted) > window:
            fitted.pop()
        if not fitted:
            raise InputError(
                "question",
                f"with the conversation so far and a {answer_tokens}-token answer, not even "
                f"one source fits the model's context window of {window} tokens: start a new "
                "conversation, or raise the context_window setting (or lower max_answer_tokens)",
            )
        return fitted

    def _earlier_messages(self, owner: Owner, conversation_id: str | None) -> list[StoredMessage]:
        if conversation_id is None:
            return []
        return self.store.list_messages(owner, conversation_id)

    def _generate(
        self,
        messages: list[Message],
        checker: grounding.CitationChecker,
        turn: _Turn,
        guidance: Guidance,
    ) -> Iterator[str]:
        temperature = guidance.temperature
        options = GenerationOptions(
            max_tokens=guidance.max_tokens or self.settings.max_answer_tokens,
            temperature=self.settings.temperature if temperature is None else temperature,
        )
        events = self.provider.stream(messages, options)
        try:
            for event in events:
                if isinstance(event, TextDelta):
                    if "first_token_ms" not in turn.timings:
                        turn.mark("first_token_ms")
                    checked = checker.feed(event.text)
                    if checked:
                        yield checked
                    if checker.repeating:  # a loop until max_tokens: stop it now
                        turn.timings["stopped_repeating"] = 1.0
                        break
                elif isinstance(event, Usage):
                    turn.usage = event
                elif isinstance(event, Finish):
                    turn.interrupted = event.reason == "interrupted"
                    turn.error = event.error
        finally:
            close = getattr(events, "close", None)
            if close is not None:
                close()  # a generator stops generating (the runner cancels the request)

    def _closing(
        self,
        owner: Owner,
        checker: grounding.CitationChecker,
        turn: _Turn,
        language: str,
        conversation_id: str | None,
        save: bool,
        notebook: Notebook | None,
    ) -> Iterator[SessionEvent]:
        if turn.interrupted:
            rest = checker.flush()
        elif not checker.sources:  # nothing relevant was found: say so, do not guess
            empty = notebook is not None and self.store.count_chunks(owner, notebook.id) == 0
            text = grounding.say(grounding.NO_SOURCES if empty else grounding.ABSTENTION, language)
            checker.result = grounding.CheckedAnswer(text=text, abstained=True)
            rest = text
        else:
            rest = checker.finish()
            if not checker.result.abstained:
                rest += self._unanswered_note(checker, language)
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
            rejected=result.rejected,
        )

    def _unanswered_note(self, checker: grounding.CitationChecker, language: str) -> str:
        """' The sources do not answer this part of the question: ...' for each part of a
        two-part question that the sources do not speak of (a partial answer says so)."""
        parts = grounding.unanswered_parts(checker.question, list(checker.sources.values()),
                                           language)  # fmt: skip
        note = "".join(" " + grounding.say(grounding.UNANSWERED_PART, language).format(part=p)
                       for p in parts)  # fmt: skip
        checker.result.text += note
        return note

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


def _history(earlier: list[StoredMessage]) -> list[Message]:
    """The earlier turns replayed to the model."""
    return [Message(m.role, m.content) for m in earlier[-2 * HISTORY_TURNS :]]
