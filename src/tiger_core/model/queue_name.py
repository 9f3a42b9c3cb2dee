"""Queue names: their allowed spelling, subqueues (``a.b.c``), include/exclude."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Iterator

#: Longest queue name Tiger creates.
MAX_QUEUE_NAME_LENGTH = 200
#: Dot-separated parts of ASCII letters, digits, ``_`` and ``-``. A ``:`` would make
#: keys ambiguous (``t:queued:a:active``); glob characters (``*?[]``), braces (hash
#: tags), whitespace and empty parts (``..``) are refused too.
_QUEUE_NAME = re.compile(r"[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*")
_RULE = (
    "allowed: 1-200 characters, ASCII letters, digits, '_' and '-', in parts "
    "separated by single dots (subqueues: 'email.high')"
)


def validate_queue_name(name: object) -> str:
    """Return ``name`` if Tiger may create a queue of that name.

    Raises:
        ValueError: the name is not a string or breaks the rule, which the message
            states (queue names become parts of Redis keys and patterns).
    """
    if not isinstance(name, str):
        raise ValueError(f"invalid queue name {name!r}: not a string; {_RULE}")
    if len(name) > MAX_QUEUE_NAME_LENGTH:
        raise ValueError(
            f"invalid queue name {name[:40]!r}... ({len(name)} characters); {_RULE}"
        )
    if not _QUEUE_NAME.fullmatch(name):
        raise ValueError(f"invalid queue name {name!r}; {_RULE}")
    return name


def validate_queue_names(names: Iterable[str]) -> tuple[str, ...]:
    """Validate each name (worker filters); see :func:`validate_queue_name`."""
    return tuple(validate_queue_name(name) for name in names)


def dotted_prefixes(queue: str) -> Iterator[str]:
    """Yield ``a.b.c``, ``a.b``, ``a``: the queue, then its parents up to the root."""
    parts = queue.split(".")
    for end in range(len(parts), 0, -1):
        yield ".".join(parts[:end])


def queue_matches(
    queue: str, only: Collection[str] = (), exclude: Collection[str] = ()
) -> bool:
    """Whether a worker with these filters processes ``queue``.

    The most specific rule wins: walking from the full name up to its root, the first
    name found in ``exclude`` rejects and the first found in ``only`` accepts (exclude
    first at the same level). With no matching rule, the queue is processed only when
    ``only`` is empty.
    """
    for prefix in dotted_prefixes(queue):
        if prefix in exclude:
            return False
        if prefix in only:
            return True
    return not only
