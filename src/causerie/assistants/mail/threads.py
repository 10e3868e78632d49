"""Threads rebuilt from Message-ID / In-Reply-To / References (Jamie Zawinski's algorithm,
https://www.jwz.org/doc/threading.html), then roots with the same subject merged when one of
them is a reply ("Re: Budget" joins "Budget" even when its client dropped the headers).

    groups = thread_messages(links)  # links: Link(message_id, in_reply_to, references, subject)
    groups  # [["<a@x>", "<b@x>"], ["<c@x>"]]: message ids, one list per thread

(PyPI's `jwzthreading` is a 2005 Python 2 module, unmaintained: this is the small version.)
Missing parents become empty containers, so two replies to a message we never saw still share a
thread; a reference loop never hangs it; a duplicate Message-ID is threaded as a message of its
own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

_REPLY_PREFIX = re.compile(
    r"^\s*((re|fwd?|tr|aw|wg|sv|réf|ref|rép|rep)\s*(\[\d+\])?\s*:\s*|\[[^\]]{1,40}\]\s*)+", re.I
)


@dataclass(frozen=True, slots=True)
class Link:
    message_id: str
    in_reply_to: str | None
    references: tuple[str, ...]
    subject: str


@dataclass(eq=False)
class _Container:
    message_id: str
    link: Link | None = None
    parent: _Container | None = None
    children: list[_Container] = field(default_factory=list)

    def is_ancestor_of(self, other: _Container) -> bool:
        node: _Container | None = other
        seen = 0
        while node is not None and seen < 10_000:
            if node is self:
                return True
            node, seen = node.parent, seen + 1
        return False

    def adopt(self, child: _Container) -> None:
        if child.parent is not None:
            child.parent.children.remove(child)
        child.parent = self
        self.children.append(child)

    def message_ids(self) -> list[str]:
        found: list[str] = []
        stack = [self]
        while stack:
            node = stack.pop()
            if node.link is not None:
                found.append(node.link.message_id)
            stack.extend(reversed(node.children))
        return found


def base_subject(subject: str) -> str:
    """The subject without its reply/forward prefixes and list tags, case-folded."""
    return " ".join(_REPLY_PREFIX.sub("", subject).split()).casefold()


def is_reply_subject(subject: str) -> bool:
    return bool(_REPLY_PREFIX.match(subject)) and base_subject(subject) != subject.casefold()


def thread_messages(links: Iterable[Link]) -> list[list[str]]:
    """The message ids grouped by thread (each group in tree order, roots in input order)."""
    table: dict[str, _Container] = {}
    for link in links:
        message_id = link.message_id
        container = table.get(message_id)
        if container is not None and container.link is not None:
            message_id = f"{message_id}#dup{len(table)}"  # a duplicate id: a message apart
            container = None
        if container is None:
            container = table[message_id] = _Container(message_id)
        container.link = link
        references = list(link.references)
        if link.in_reply_to and (not references or references[-1] != link.in_reply_to):
            references.append(link.in_reply_to)
        parent: _Container | None = None
        for reference in references:
            node = table.get(reference)
            if node is None:
                node = table[reference] = _Container(reference)
            if (
                parent is not None
                and node.parent is None
                and not node.is_ancestor_of(parent)
                and node is not parent
            ):
                parent.adopt(node)
            parent = node
        if parent is not None and parent is not container and not container.is_ancestor_of(parent):
            parent.adopt(container)
        elif container.parent is not None and not references:
            container.parent.children.remove(container)
            container.parent = None
    roots = [c for c in table.values() if c.parent is None]
    return [ids for ids in _merge_by_subject(roots) if ids]


def _subject_of(root: _Container) -> tuple[str, bool]:
    """A root's subject (its own, else its first child's) and whether it reads as a reply."""
    node: _Container | None = root
    while node is not None:
        if node.link is not None:
            return base_subject(node.link.subject), is_reply_subject(node.link.subject)
        node = node.children[0] if node.children else None
    return "", False


def _merge_by_subject(roots: list[_Container]) -> list[list[str]]:
    """Roots that share a base subject become one thread when one of them is a reply (two
    newsletters with the same title stay apart)."""
    groups: dict[str, list[_Container]] = {}
    order: list[list[_Container]] = []
    for root in roots:
        subject, reply = _subject_of(root)
        if not subject:
            order.append([root])
            continue
        group = groups.get(subject)
        if group is not None and (reply or any(_subject_of(r)[1] for r in group)):
            group.append(root)
            continue
        if group is None:
            group = groups[subject] = [root]
            order.append(group)
        else:  # same subject, neither a reply: a thread of its own
            order.append([root])
    return [[mid for root in group for mid in root.message_ids()] for group in order]
