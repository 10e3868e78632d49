"""The formats a long piece is repurposed into, and their length rules, measured in code.

    fmt = FORMATS["x-thread"]
    fmt.measure("Read https://example.org/a/long/path 😀")   # 31: X's weighted count
    fmt.check_length(["post one", "post two"])              # Length(value, limit, within, ...)

Each rule is the platform's own way of counting, not len():

- X: twitter-text's weighted length, configuration v3 (twitter-text-parser): a URL counts 23,
  most emoji 2, CJK characters 2, other characters 1; at most 280 per post.
- Bluesky: 300 graphemes per post (what a reader sees as one character: 👩‍👩‍👧 is one).
- Mastodon: 500 characters per post, every URL counted as 23 whatever its length.
- LinkedIn: 3,000 characters; the first two lines are the hook shown before "see more"
  (at most HOOK_CHARS).
- Newsletter section: a word budget (default 400, `--words`), with a title and a call to read
  the original.
- Blog outline: headings with the source passages under each; at most OUTLINE_HEADINGS.
- Short-video script: 30 to 60 seconds of speech at the language's measured words per minute
  (SPEECH_WPM: espeak-ng 1.51's default voice, measured by bench/speech_rate.py).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import regex
from twitter_text import extract_urls_with_indices, parse_tweet

from causerie import textproc
from causerie.errors import InputError

X_LIMIT = 280
BLUESKY_LIMIT = 300
MASTODON_LIMIT = 500
MASTODON_URL_LENGTH = 23
LINKEDIN_LIMIT = 3000
HOOK_CHARS = 210  # LinkedIn shows about this much of a post before "...see more"
DEFAULT_WORDS = 400
OUTLINE_HEADINGS = 8
VIDEO_SECONDS = (30, 60)
# Words per minute of espeak-ng 1.51's default voice, measured on our own 100-word EN and FR
# paragraphs (bench/speech_rate.py writes bench/results/speech_rate.md): 204.1 and 221.7.
SPEECH_WPM = {"en": 204.1, "fr": 221.7}
DEFAULT_WPM = SPEECH_WPM["en"]

Shape = Literal["posts", "text"]


def x_length(text: str) -> int:
    """X's weighted length (twitter-text configuration v3)."""
    return int(parse_tweet(text).weightedLength)


def graphemes(text: str) -> int:
    """User-perceived characters (extended grapheme clusters), as Bluesky counts them."""
    found: list[str] = regex.findall(r"\X", text)
    return len(found)


def mastodon_length(text: str) -> int:
    """Characters, every URL counted as MASTODON_URL_LENGTH (Mastodon's rule)."""
    urls = extract_urls_with_indices(text)
    url_chars = sum(int(u["indices"][1]) - int(u["indices"][0]) for u in urls)
    return len(text) - url_chars + MASTODON_URL_LENGTH * len(urls)


def characters(text: str) -> int:
    return len(text)


def word_count(text: str) -> int:
    """Words as a reader counts them (numbers are words; markup and punctuation are not)."""
    return len(re.findall(r"\d+(?:[:.,]\d+)*|[^\W_]+(?:['’-][^\W_]+)*", text))


def speech_seconds(text: str, language: str) -> float:
    """Seconds to speak a text at the language's measured words per minute."""
    return word_count(text) * 60 / SPEECH_WPM.get(language, DEFAULT_WPM)


@dataclass(frozen=True, slots=True)
class Length:
    """A draft's length against its rule: `value` (the longest post for threads, else the
    whole text), `parts` (each post's), the `limit` and the `minimum` (video only), in `unit`."""

    value: float
    limit: float
    unit: str
    within: bool
    parts: tuple[float, ...] = ()
    minimum: float = 0.0
    why: str = ""

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"value": self.value, "limit": self.limit, "unit": self.unit,
                                "within": self.within}  # fmt: skip
        if self.parts:
            data["posts"] = list(self.parts)
        if self.minimum:
            data["minimum"] = self.minimum
        if self.why:
            data["why"] = self.why
        return data


@dataclass(frozen=True, slots=True)
class Format:
    """One output format: its name (`--to`), its shape (a thread of posts or one text), how a
    post or text is measured, and its limit (in `unit`)."""

    name: str
    shape: Shape
    unit: str
    limit: int
    measure: Callable[[str], float]
    minimum: int = 0
    max_posts: int = 0  # threads: the most posts drawn

    def check_length(self, parts: Sequence[str]) -> Length:
        """The length of a draft (its posts, or its one text) against this format's rule."""
        values = tuple(round(self.measure(p), 1) for p in parts)
        if not values:
            return Length(0, self.limit, self.unit, False, why="the draft is empty")
        value = max(values) if self.shape == "posts" else values[0]
        why = ""
        if value > self.limit:
            over = [i + 1 for i, v in enumerate(values) if v > self.limit]
            where = f"post {', '.join(map(str, over))}: " if self.shape == "posts" else ""
            why = f"{where}{value:g} {self.unit}, over the limit of {self.limit}"
        elif value < self.minimum:
            why = f"{value:g} {self.unit}, under the minimum of {self.minimum}"
        return Length(value, self.limit, self.unit, not why, values if self.shape == "posts"
                      else (), self.minimum, why)  # fmt: skip


def video_format(language: str) -> Format:
    """The short-video script's rule for a language: 30-60 s at its measured rate."""
    return Format("video-script", "text", "seconds", VIDEO_SECONDS[1],
                  lambda text: speech_seconds(text, language), VIDEO_SECONDS[0])  # fmt: skip


def newsletter_format(words: int = DEFAULT_WORDS) -> Format:
    return Format("newsletter", "text", "words", words, word_count)


FORMATS: dict[str, Format] = {
    "x-thread": Format("x-thread", "posts", "weighted characters", X_LIMIT, x_length,
                       max_posts=8),
    "linkedin": Format("linkedin", "text", "characters", LINKEDIN_LIMIT, characters),
    "newsletter": newsletter_format(),
    "outline": Format("outline", "text", "headings", OUTLINE_HEADINGS,
                      lambda text: len(re.findall(r"^## ", text, re.MULTILINE))),
    "video-script": video_format("en"),
    "bluesky": Format("bluesky", "posts", "graphemes", BLUESKY_LIMIT, graphemes, max_posts=6),
    "mastodon": Format("mastodon", "posts", "characters", MASTODON_LIMIT, mastodon_length,
                       max_posts=5),
}  # fmt: skip
MIN_WORDS, MAX_WORDS = 50, 3000


def rule_for(name: str, language: str, words: int = DEFAULT_WORDS) -> Format:
    """The format named `name`, with the options that change its rule (the newsletter's word
    budget, the video's speech rate)."""
    if name == "newsletter":
        return newsletter_format(words)
    if name == "video-script":
        return video_format(language)
    return FORMATS[name]


def parse_formats(value: str) -> list[str]:
    """`--to` ("x-thread,linkedin" or "all") as format names, in the order given; InputError
    naming an unknown one and listing the known ones."""
    names = [n.strip().lower() for n in value.split(",") if n.strip()]
    if names == ["all"]:
        return list(FORMATS)
    unknown = [n for n in names if n not in FORMATS]
    if unknown or not names:
        known = ", ".join(FORMATS)
        what = f"unknown format {', '.join(map(repr, unknown))}" if unknown else "no format"
        raise InputError("--to", f"{what}; the known formats are: {known} (or all)")
    return list(dict.fromkeys(names))


def check_words(words: int) -> int:
    if not MIN_WORDS <= words <= MAX_WORDS:
        raise InputError("--words", f"must be between {MIN_WORDS} and {MAX_WORDS} (got {words})")
    return words


def fold_key(text: str) -> str:
    """A text's words, folded: to find a sentence in a draft whatever its spacing."""
    return " ".join(textproc.fold(w) for w in textproc.words(text))


def ceil_words(seconds: float, language: str) -> int:
    return math.ceil(seconds * SPEECH_WPM.get(language, DEFAULT_WPM) / 60)
