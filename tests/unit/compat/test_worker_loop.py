"""The Worker loop on the memory store: wake-ups, periodic tasks, sync timeouts."""

from __future__ import annotations

import threading
from pathlib import Path

from tests.sample_tasks import read_records, record
from tiger_adapters.compat import TaskTiger, Worker
from tiger_adapters.memory import MemoryTaskStore
from tiger_core.model.state import TaskState
from tiger_core.policies.schedule import periodic


def test_idle_worker_reacts_to_a_new_task(tmp_path: Path) -> None:
    """An idle worker picks a new task up through the memory work signal."""
    tiger = TaskTiger(store=MemoryTaskStore(), config={"SELECT_TIMEOUT": 30})
    worker = Worker(tiger, executor="sync")
    thread = threading.Thread(target=worker.run)
    thread.start()
    path = str(tmp_path / "out")
    try:
        tiger.delay(record, args=[path, "hi"])
        done = threading.Event()
        while not done.wait(0.02) and not read_records(path):
            pass
    finally:
        worker.stop()
        thread.join(timeout=40)

    assert ["hi"] == read_records(path)
    assert not thread.is_alive()


def test_worker_start_queues_each_periodic_task_once() -> None:
    """Two workers starting at once schedule one next period."""
    tiger = TaskTiger(store=MemoryTaskStore())

    def tick() -> None:
        """A periodic function."""

    tick.__module__, tick.__qualname__ = "tests.sample_tasks", "add"
    tiger.task(schedule=periodic(minutes=5), queue="p")(tick)
    for _ in range(2):
        Worker(tiger, executor="sync").run(force_once=True)

    assert 1 == tiger.store.count("p", TaskState.SCHEDULED)


def test_sync_job_timeout_leaves_the_worker_usable(tmp_path: Path) -> None:
    """A soft timeout in sync mode fails the task; the next task still runs."""
    from tests.sample_tasks import sleep

    tiger = TaskTiger(store=MemoryTaskStore())
    path = str(tmp_path / "out")
    slow = tiger.delay(sleep, args=[5], hard_timeout=0.3, queue="a")
    worker = Worker(tiger, executor="sync")
    worker.run(once=True)
    tiger.delay(record, args=[path, "after"], queue="a")

    worker.run(once=True)

    failed = tiger.store.get("a", TaskState.ERROR, slow.id, executions=1)
    assert "JobTimeoutException" in failed.executions[0]["exception_name"]
    assert ["after"] == read_records(path)
