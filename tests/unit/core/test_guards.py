"""Lock ids and queue worker limits (compat sections 3.2 and 5.5)."""

from __future__ import annotations

import pytest
import structlog

from tests.clock import FrozenClock
from tiger_core.errors import ConfigError
from tiger_core.identity import keyed_unique_id, unique_task_id
from tiger_core.model.task import TaskData
from tiger_core.services.guards import Guards, queue_worker_limit, task_lock_ids

FUNC = "tests.sample_tasks:add"


def test_a_task_without_lock_needs_no_lock() -> None:
    """No lock and no lock_key means no lock id."""
    data = TaskData(id="a", func=FUNC, args=[1])

    assert [] == task_lock_ids(data)


def test_lock_id_of_a_plain_lock_is_the_unique_id_of_the_call() -> None:
    """``lock=True`` locks on the whole call, like the unique id (compat 3.2)."""
    data = TaskData(id="a", func=FUNC, lock=True, args=[1], kwargs={"b": 2})

    assert [unique_task_id(FUNC, [1], {"b": 2})] == task_lock_ids(data)


def test_lock_id_of_a_plain_lock_without_arguments() -> None:
    """Missing args and kwargs count as empty, as TaskTiger reads them."""
    data = TaskData(id="a", func=FUNC, lock=True)

    assert [unique_task_id(FUNC, [], {})] == task_lock_ids(data)


def test_lock_key_locks_on_the_named_kwargs_only() -> None:
    """``lock_key`` builds the id from those keyword arguments, args ignored."""
    data = TaskData(
        id="a", func=FUNC, lock=True, lock_key=["user"], args=[1], kwargs={"user": 7}
    )

    assert [keyed_unique_id(FUNC, ["user"], {"user": 7})] == task_lock_ids(data)


@pytest.mark.parametrize(
    ("queue", "expected"),
    [("swq", 1), ("swq.sub.x", 1), ("swqa", 3), ("other", 3), ("a.swq", 3)],
)
def test_single_worker_queues_apply_to_subqueues(queue: str, expected: int) -> None:
    """A single-worker queue and its dotted subqueues allow one worker."""
    limit = queue_worker_limit(
        queue, single_worker_queues=["swq"], max_workers_per_queue=3
    )

    assert expected == limit


def test_no_limit_without_settings() -> None:
    """Without -M and single-worker queues a queue is unlimited."""
    limit = queue_worker_limit("q", single_worker_queues=(), max_workers_per_queue=None)

    assert limit is None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"max_workers_per_queue": 0}, "must be >= 1"),
        ({"max_workers_per_queue": 2}, "need a LockStore"),
        ({"single_worker_queues": ["swq"]}, "need a LockStore"),
    ],
)
def test_guards_refuse_bad_limits(kwargs: dict[str, object], message: str) -> None:
    """A limit below 1, or a limit without lock storage, is a config error."""
    with pytest.raises(ConfigError, match=message):
        Guards(
            None,
            FrozenClock(),
            owner="w1",
            ttl=60,
            log=structlog.get_logger(),
            **kwargs,  # type: ignore[arg-type]
        )
