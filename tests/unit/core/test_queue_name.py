"""Subqueue matching with include and exclude lists (compat section 5.1)."""

from __future__ import annotations

import pytest

from tiger_core.model.queue_name import dotted_prefixes, queue_matches

ONLY = ("a", "a.b.c", "b", "c")
EXCLUDE = ("a.b", "b")


@pytest.mark.parametrize("queue", ["a", "a.a", "a.b.c", "c", "c.a"])
def test_processed_queues(queue: str) -> None:
    """The most specific rule wins, and it accepts these queues."""
    assert queue_matches(queue, ONLY, EXCLUDE)


@pytest.mark.parametrize("queue", ["a.b", "a.b.d", "b", "b.a", "d", "d.a"])
def test_skipped_queues(queue: str) -> None:
    """The most specific rule wins, and it rejects these queues."""
    assert not queue_matches(queue, ONLY, EXCLUDE)


def test_no_rules_accept_everything() -> None:
    """With empty lists every queue is processed."""
    assert queue_matches("anything.at.all")


def test_prefixes_go_from_specific_to_root() -> None:
    """A subqueue's prefixes are listed from itself up to its root."""
    assert ["a.b.c", "a.b", "a"] == list(dotted_prefixes("a.b.c"))
