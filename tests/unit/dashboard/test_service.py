"""DashboardService over the memory store: overview, pages, lookups and actions."""

from __future__ import annotations

import pytest

from tests.clock import FrozenClock
from tests.dashboard_support import add_error, add_task
from tiger_adapters.compat import TaskTiger
from tiger_cli.dashboard.service import DashboardService
from tiger_core.errors import TaskNotFound
from tiger_core.model.state import TaskState


def test_overview_counts_every_state_of_every_queue(
    tiger: TaskTiger, service: DashboardService, clock: FrozenClock
) -> None:
    """Each queue with tasks gets one row with its four counts, sorted by name."""
    add_error(tiger, "e1", queue="b")
    add_task(tiger, "q1", queue="b")
    add_task(tiger, "s1", queue="a", state=TaskState.SCHEDULED, score=clock.now() + 9)

    rows = service.overview()

    assert [
        ("a", {"queued": 0, "active": 0, "scheduled": 1, "error": 0}),
        ("b", {"queued": 1, "active": 0, "scheduled": 0, "error": 1}),
    ] == [(row.name, row.counts) for row in rows]


def test_task_page_lists_newest_first_with_paging(
    tiger: TaskTiger, service: DashboardService, clock: FrozenClock
) -> None:
    """Pages of three hold the newest tasks first; the last page has the rest."""
    for n in range(5):
        add_task(tiger, f"t{n}")
        clock.advance(1)

    first = service.task_page("default", TaskState.QUEUED, 1)
    last = service.task_page("default", TaskState.QUEUED, 2)

    assert (5, 2) == (first.total, first.pages)
    assert ["t4", "t3", "t2"] == [task.id for task in first.tasks]
    assert ["t1", "t0"] == [task.id for task in last.tasks]


def test_find_task_reads_it_with_its_executions(
    tiger: TaskTiger, service: DashboardService
) -> None:
    """An errored task is found in the error state with its traceback."""
    add_error(tiger, "e1")

    task = service.find_task("default", "e1")

    assert TaskState.ERROR == task.state
    assert "ValueError: boom" in task.executions[0]["traceback"]


def test_find_task_of_an_unknown_id_raises(service: DashboardService) -> None:
    """A missing task is TaskNotFound, naming the id and the queue."""
    with pytest.raises(TaskNotFound, match=r"nope.*'default'"):
        service.find_task("default", "nope")


def test_retry_task_moves_an_error_to_queued(
    tiger: TaskTiger, service: DashboardService
) -> None:
    """Retry takes the task out of the errors and queues it again."""
    add_error(tiger, "e1")

    service.retry_task("default", "e1")

    assert TaskState.QUEUED == service.find_task("default", "e1").state


def test_delete_task_refuses_an_active_task(
    tiger: TaskTiger, service: DashboardService
) -> None:
    """An active task belongs to its worker: deleting it is a ValueError."""
    with pytest.raises(ValueError, match="active"):
        service.delete_task("default", "x", TaskState.ACTIVE)


def test_bulk_actions_move_every_error(
    tiger: TaskTiger, service: DashboardService
) -> None:
    """Retry-all queues every error; delete-all removes the rest."""
    for n in range(4):
        add_error(tiger, f"e{n}", queue="a")
        add_error(tiger, f"f{n}", queue="b")

    retried = service.retry_errors("a")
    deleted = service.delete_errors("b")

    assert (4, 4) == (retried, deleted)
    assert {"queued": 4, "active": 0, "scheduled": 0, "error": 0} == (
        service.queue_row("a").counts
    )
    assert 0 == service.queue_row("b").total


def test_pause_and_resume_set_and_clear_the_system_lock(
    service: DashboardService, clock: FrozenClock
) -> None:
    """A pause shows until its end; resume clears it at once."""
    service.pause("a", 60)
    paused = service.paused_until("a")
    service.resume("a")

    assert (clock.now() + 60, None) == (paused, service.paused_until("a"))


def test_the_overview_shows_a_pause(
    tiger: TaskTiger, service: DashboardService, clock: FrozenClock
) -> None:
    """A paused queue's row carries the end of its pause."""
    add_task(tiger, "q1", queue="a")
    service.pause("a", 60)

    assert [clock.now() + 60] == [row.paused_until for row in service.overview()]


@pytest.mark.parametrize("seconds", [0, -1, 8 * 24 * 3600])
def test_pause_rejects_bad_durations(service: DashboardService, seconds: int) -> None:
    """A pause must last between 1 s and a week."""
    with pytest.raises(ValueError, match="pause seconds"):
        service.pause("a", seconds)
