"""The periodic task of PER1, on its own app so other tests queue no periodic task."""

from __future__ import annotations

from tests.chaos.recorder import record
from tiger_adapters.compat import TaskTiger
from tiger_core.policies.schedule import periodic

tiger = TaskTiger(lazy_init=True)


@tiger.task(schedule=periodic(seconds=1), queue="chaos_periodic")
def tick() -> None:
    """Record the period this run was scheduled for."""
    scheduled_at = tiger.current_task.data.get("scheduled_at")
    record("end", f"period:{scheduled_at}", period=scheduled_at)
