"""Bulk actions on a queue's error state, shared by the admin CLI and the dashboard."""

from __future__ import annotations

from tiger_core.errors import TaskNotFound
from tiger_core.model.state import TaskState
from tiger_core.ports import Clock, TaskStore

#: Errored tasks read per page.
PAGE_SIZE = 500


def move_error_tasks(
    store: TaskStore,
    clock: Clock,
    queue: str,
    *,
    to_state: TaskState | None,
    limit: int,
) -> int:
    """Retry (``to_state`` queued) or delete (None) up to ``limit`` errored tasks.

    Pages through the error state newest first. The ``limit`` (the count the caller
    saw, or confirmed) keeps a "retry all" from chasing tasks that fail again and
    come back to the error state while it runs. A task moved meanwhile by someone
    else is skipped.

    Returns:
        How many tasks were moved.
    """
    done = 0
    while done < limit:
        _, page = store.list_tasks(
            queue, TaskState.ERROR, limit=min(PAGE_SIZE, limit - done)
        )
        moved = 0
        for task in page:
            try:
                store.move(
                    queue,
                    task.id,
                    from_state=TaskState.ERROR,
                    to_state=to_state,
                    score=clock.now(),
                )
            except TaskNotFound:
                continue
            moved += 1
        if not moved:
            break
        done += moved
    return done
