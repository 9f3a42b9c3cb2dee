"""``make demo``: queue example tasks and run a worker on them until all are settled.

With no ``REDIS_URL`` it runs on the in-memory store, so nothing needs installing.
With ``REDIS_URL`` set it uses that Redis under the key prefix ``tiger_demo``.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time

from examples import tasks
from tiger_adapters.compat import Task, TaskTiger, Worker
from tiger_adapters.logging import configure_logging
from tiger_cli.container import Container
from tiger_cli.settings import WorkerSettings

QUEUE = "demo"


def build() -> TaskTiger:
    """Wire a TaskTiger through the same container tiger-worker uses."""
    settings = WorkerSettings(
        url=os.environ.get("REDIS_URL") or "memory://",
        config={"REDIS_PREFIX": "tiger_demo", "HARD_TIMEOUT_GRACE": 1},
    )
    container = Container(settings=settings)
    tiger: TaskTiger = container.tiger()
    return tiger


def enqueue(tiger: TaskTiger) -> None:
    """Queue the example tasks."""
    tiger.delay(tasks.add, args=(1, 2), queue=QUEUE)
    tiger.delay(tasks.greet, args=("Tiger",), queue=QUEUE)
    tiger.delay(tasks.add, args=(20, 22), queue=QUEUE, when=dt.timedelta(seconds=1))
    tiger.delay(tasks.divide, args=(1, 0), queue=QUEUE)
    tiger.delay(tasks.sleep_forever, queue=QUEUE, hard_timeout=1)
    tiger.delay(tasks.hang_ignoring_alarm, queue=QUEUE, hard_timeout=1)


def pending(tiger: TaskTiger) -> int:
    """Tasks not yet settled (queued, scheduled or active)."""
    return sum(tiger.get_queue_sizes(QUEUE).values())


def main() -> int:
    """Run the demo; returns the process exit code."""
    configure_logging()
    tiger = build()
    backend = "Redis" if os.environ.get("REDIS_URL") else "the in-memory store"
    print(f"Tiger demo on {backend}: queueing 6 example tasks", file=sys.stderr)
    enqueue(tiger)
    worker = Worker(tiger)
    deadline = time.monotonic() + 60
    while pending(tiger) and time.monotonic() < deadline:
        worker.run(once=True)
        time.sleep(0.2)
    total, failed = Task.tasks_from_queue(tiger, QUEUE, "error", load_executions=1)
    print(
        f"\nSettled: {6 - total} succeeded, {total} in the error queue:",
        file=sys.stderr,
    )
    for task in failed:
        name = task.executions[-1]["exception_name"] if task.executions else "?"
        print(f"  {task.serialized_func:35} {name}", file=sys.stderr)
        task.delete()
    return 0 if pending(tiger) == 0 and total == 3 else 1  # noqa: PLR2004


if __name__ == "__main__":
    sys.exit(main())
