"""Task functions for the tests: plain top-level functions, importable by path.

Executors import them by their ``tests.sample_tasks:<name>`` path, in this
process or in a forked child. Side effects that a test must see across
processes go to files (see :func:`record`).
"""

from __future__ import annotations

import json
import os
import random
import signal
import time
from typing import Any

from tiger_core.errors import RetryException
from tiger_core.policies.retry import fixed


def add(a: int, b: int) -> int:
    return a + b


def record(path: str, value: Any) -> None:
    """Append ``value`` as one JSON line to the file at ``path``."""
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(value) + "\n")


def read_records(path: str) -> list[Any]:
    """Return the values that :func:`record` appended to ``path``."""
    try:
        with open(path, encoding="utf-8") as handle:
            return [json.loads(line) for line in handle]
    except FileNotFoundError:
        return []


def fail(message: str) -> None:
    raise ValueError(message)


def sleep(seconds: float) -> None:
    time.sleep(seconds)


def sleep_ignoring_alarm(seconds: float) -> None:
    """Sleep with SIGALRM blocked, so that the soft timeout cannot fire."""
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
    time.sleep(seconds)


def exit_task() -> None:
    raise SystemExit(0)


def hard_exit(code: int) -> None:
    """End the process at once, without unwinding (a crash, for an executor)."""
    os._exit(code)


def kill_self() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def retry_task() -> None:
    raise RetryException(method=fixed(5, 3), log_error=False)


def retry_with_original() -> None:
    try:
        raise KeyError("original problem")
    except KeyError:
        raise RetryException(original_traceback=True) from None


def batch_collect(tasks: list[dict[str, Any]]) -> None:
    """A batch function: records the list it received to ``kwargs["path"]``."""
    record(tasks[0]["kwargs"]["path"], tasks)


batch_collect._task_batch = True  # type: ignore[attr-defined]


def record_pid(path: str) -> None:
    record(path, os.getpid())


def record_random(path: str) -> None:
    record(path, random.random())


def interrupt_self(path: str) -> None:
    """Send SIGINT to this process, then record that it survived."""
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(0.05)
    record(path, "alive")


def big_failure(size: int) -> None:
    raise ValueError("x" * size)


def fail_key(message: str) -> None:
    raise KeyError(message)


def sleep_then_record(path: str, seconds: float, value: Any) -> None:
    """Sleep ``seconds``, then record ``value`` (a task that is mid-run for a while)."""
    time.sleep(seconds)
    record(path, value)


def options_target(path: str, value: Any) -> None:
    """Record ``value``; tests decorate this one with ``@tiger.task(...)`` options."""
    record(path, value)


def record_process(path: str) -> None:
    """Record this process's pid, its parent's, and whether it holds redis."""
    import sys

    record(path, [os.getpid(), os.getppid(), "redis" in sys.modules])


class PlainHost:
    """A host whose requests all run as direct calls (fork-server eligible)."""

    def execute_running(self, running: Any, func: Any) -> None:
        from tiger_adapters.executor.calls import call_directly

        calls = [(t.args, t.kwargs, t.hard_timeout) for t in running.request.tasks]
        call_directly(func, calls, is_batch=running.is_batch)

    def runs_plainly(self, request: Any) -> bool:
        return True


#: The module-level host a fork-server child finds again by its path.
HOST = PlainHost()


def record_host(path: str) -> None:
    """Record whether the running task sees HOST as its host, and its ids."""
    from tiger_adapters.executor.context import current

    running = current()
    assert running is not None
    record(path, [running.host is HOST, running.task_ids, os.getppid()])


def print_unflushed(text: str) -> None:
    """Print ``text`` without a newline or a flush (it sits in stdout's buffer)."""
    print(text, end="")
