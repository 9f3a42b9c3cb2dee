"""Task ids: the TaskTiger test vectors of compat section 3.2 reproduce."""

from __future__ import annotations

from tiger_core.identity import keyed_unique_id, new_task_id, unique_task_id
from tiger_core.policies.unique import LockPolicy, UniquePolicy


def test_unique_id_of_kwargs_call() -> None:
    """A unique task over its whole call matches TaskTiger's id."""
    actual = unique_task_id("tests.tasks:unique_task", [], {"value": 1})

    assert "cddce980c194b1e8a5f38b0d1a476c51d73e3f30f6cc846ffb07c551c1328513" == actual


def test_unique_id_of_periodic_task() -> None:
    """A periodic task's id is the unique id over no arguments."""
    actual = unique_task_id("tests.tasks_periodic:periodic_task", [], {})

    assert "d1b335dd3412b837c321ef236e2839547d4107506b0d6c9ad04ad155080cb634" == actual


def test_unique_id_with_unique_key() -> None:
    """A unique_key selects kwargs and sets args to null."""
    actual = keyed_unique_id("tests.tasks:unique_key_task", ["a"], {"a": 1, "b": 2})

    assert "a96f9d6d47765973e29f3eedcf3f44a16f498d2b80ca7d13594ec3958031585e" == actual


def test_unique_id_of_floats_unicode_and_nesting() -> None:
    """Float repr, ASCII escaping and nested key sorting match Python's json."""
    actual = unique_task_id("m:f", (1.5, "\u00e9", {"b": 1, "a": []}), {})

    assert "bd1d351790d9fe448133ecfddb29aea970d33995968da9566b939b7d32873159" == actual


def test_missing_key_counts_as_null() -> None:
    """A unique_key name absent from the call counts as None."""
    with_none = keyed_unique_id("m:f", ["a", "b"], {"a": 1, "b": None})

    assert with_none == keyed_unique_id("m:f", ["a", "b"], {"a": 1})


def test_policies_derive_the_same_ids() -> None:
    """UniquePolicy and LockPolicy compute TaskTiger's ids."""
    call: tuple[str, list[int], dict[str, int]] = (
        "tests.tasks:unique_task",
        [],
        {"value": 1},
    )

    assert UniquePolicy().task_id(*call) == LockPolicy().lock_id(*call)
    assert UniquePolicy(keys=("value",)).task_id(*call) == keyed_unique_id(
        "tests.tasks:unique_task", ["value"], {"value": 1}
    )


def test_random_ids_are_64_hex_and_distinct() -> None:
    """Non-unique ids are 64 lowercase hex characters and do not repeat."""
    ids = {new_task_id() for _ in range(100)}

    assert 100 == len(ids)
    assert all(len(i) == 64 and int(i, 16) >= 0 and i == i.lower() for i in ids)
