"""Queue names: subqueues (``a.b.c``) and include/exclude matching."""

from __future__ import annotations

from collections.abc import Collection, Iterator


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
