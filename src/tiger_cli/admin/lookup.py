"""Finding queues and tasks for the ``tiger`` command, through the store port only."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import click

from tiger_core.errors import TaskNotFound
from tiger_core.model.state import ALL_STATES, TaskState
from tiger_core.model.task import StoredTask

if TYPE_CHECKING:
    from tiger_adapters.compat import TaskTiger

#: Most (queue, state) reads a search for a task id may make without --queue.
MAX_PROBES = 2000


def known_queues(tiger: TaskTiger) -> set[str]:
    """Every queue that has (or recently had) tasks in some state."""
    names: set[str] = set()
    for state in ALL_STATES:
        names |= tiger.store.queue_names(state)
    return names


def require_queue(tiger: TaskTiger, queue: str) -> None:
    """Fail unless ``queue`` holds at least one task, in any state.

    Raises:
        click.ClickException: the queue is empty or unknown (naming its
            subqueues, when it has some).
    """
    if any(tiger.store.count(queue, state) for state in ALL_STATES):
        return
    children = sorted(q for q in known_queues(tiger) if q.startswith(queue + "."))
    hint = f" (its subqueues: {', '.join(children[:5])})" if children else ""
    raise click.ClickException(f"queue {queue!r} has no tasks{hint}")


def locate(
    tiger: TaskTiger,
    task_id: str,
    *,
    queue: str | None = None,
    states: Sequence[TaskState] = ALL_STATES,
) -> list[StoredTask]:
    """Every place (queue, state) holding ``task_id``, with all its executions.

    Without ``queue``, the queues listed for each state are searched, at most
    :data:`MAX_PROBES` reads.

    Raises:
        click.ClickException: the search would be longer than MAX_PROBES reads.
    """
    probes = [
        (name, state)
        for state in states
        for name in ([queue] if queue else sorted(tiger.store.queue_names(state)))
    ]
    if len(probes) > MAX_PROBES:
        raise click.ClickException(
            f"too many queues to search ({len(probes)} queue states); pass --queue"
        )
    found = []
    for name, state in probes:
        try:
            found.append(tiger.store.get(name, state, task_id, executions=-1))
        except TaskNotFound:
            continue
    return found


def locate_one(
    tiger: TaskTiger,
    task_id: str,
    *,
    queue: str | None = None,
    states: Sequence[TaskState] = ALL_STATES,
) -> StoredTask:
    """The one place holding ``task_id``.

    Raises:
        click.ClickException: the task is nowhere (saying where it is instead,
            when it is in another state), or in several places.
    """
    found = locate(tiger, task_id, queue=queue, states=states)
    where = f" in queue {queue!r}" if queue else ""
    if not found:
        others = [s for s in ALL_STATES if s not in states]
        elsewhere = locate(tiger, task_id, queue=queue, states=others) if others else []
        if elsewhere:
            raise click.ClickException(
                f"task {task_id} is {places(elsewhere)}, not "
                f"{' or '.join(str(s) for s in states)}"
            )
        raise click.ClickException(f"task {task_id} not found{where}")
    if len(found) > 1:
        raise click.ClickException(
            f"task {task_id} is ambiguous: it is {places(found)}; "
            "pass --queue (and --state)"
        )
    return found[0]


def places(found: Sequence[StoredTask]) -> str:
    """Describe where tasks are: ``error in 'q', queued in 'q'``."""
    return ", ".join(f"{task.state} in {task.queue!r}" for task in found)
