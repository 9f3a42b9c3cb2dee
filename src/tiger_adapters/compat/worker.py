"""Worker: the loop around the core's WorkerCycle, with signals and pacing."""

from __future__ import annotations

import datetime as dt
import signal
import socket
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from types import FrameType
from typing import TYPE_CHECKING

from tiger_adapters.executor import ForkExecutor, InlineExecutor
from tiger_core.ports import Executor
from tiger_core.services.worker import WorkerCycle

if TYPE_CHECKING:
    from tiger_adapters.compat.tiger import TaskTiger

_STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class Worker:
    """Processes tasks of a TaskTiger instance until stopped.

    Args:
        tiger: the instance whose store and config are used.
        queues: process only these queues and their subqueues (default: the
            ONLY_QUEUES config).
        exclude_queues: skip these queues (default: EXCLUDE_QUEUES).
        executor: "fork" (a child process per task, hard timeouts enforced by the
            parent), "sync" (in-process), or any Executor.
        store_tracebacks: override STORE_TRACEBACKS.
    """

    def __init__(
        self,
        tiger: TaskTiger,
        queues: Sequence[str] | None = None,
        exclude_queues: Sequence[str] | None = None,
        *,
        executor: str | Executor = "fork",
        store_tracebacks: bool | None = None,
    ) -> None:
        """Set up the worker; nothing runs until :meth:`run`."""
        config = tiger.config
        if store_tracebacks is not None:
            config = config.model_copy(update={"STORE_TRACEBACKS": store_tracebacks})
        self.tiger = tiger
        self.id = str(uuid.uuid4())
        self.executor_name = (
            executor if isinstance(executor, str) else type(executor).__name__
        )
        self.cycle = WorkerCycle(
            tiger.store,
            _make_executor(executor, tiger),
            tiger.clock,
            config,
            owner=self.id,
            only=queues if queues is not None else config.ONLY_QUEUES,
            exclude=exclude_queues
            if exclude_queues is not None
            else config.EXCLUDE_QUEUES,
            host=socket.gethostname(),
        )
        self._stop = threading.Event()

    def stop(self) -> None:
        """Ask the worker to stop after the task in hand."""
        self._stop.set()

    def run(
        self,
        once: bool = False,
        force_once: bool = False,
        exit_after: dt.timedelta | None = None,
    ) -> None:
        """Process tasks until stopped.

        Args:
            once: return as soon as an iteration finds no work.
            force_once: return after a single iteration.
            exit_after: return once this much time has passed (between tasks).
        """
        log = self.cycle.log
        deadline = time.monotonic() + exit_after.total_seconds() if exit_after else None
        log.info(
            "ready",
            queues=list(self.cycle.only),
            exclude_queues=list(self.cycle.exclude),
            executor=self.executor_name,
        )
        with self._signals_stop_worker():
            while not self._stop.is_set():
                did_work = self.cycle.run_once(should_stop=self._stop.is_set)
                if force_once or (once and not did_work):
                    break
                if deadline is not None and time.monotonic() >= deadline:
                    break
                if not did_work:
                    self._stop.wait(self.cycle.config.POLL_TASK_QUEUES_INTERVAL)
        log.info("done")

    @contextmanager
    def _signals_stop_worker(self) -> Iterator[None]:
        """Let SIGTERM and SIGINT request a graceful stop while running."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return

        def request_stop(signum: int, frame: FrameType | None) -> None:
            self.cycle.log.info(
                "stop requested, waiting for task to finish", signal=signum
            )
            self._stop.set()

        previous = {sig: signal.signal(sig, request_stop) for sig in _STOP_SIGNALS}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def _make_executor(executor: str | Executor, tiger: TaskTiger) -> Executor:
    if not isinstance(executor, str):
        return executor
    if executor == "fork":
        return ForkExecutor(
            heartbeat_interval=tiger.config.ACTIVE_TASK_UPDATE_TIMER,
            kill_grace=tiger.config.HARD_TIMEOUT_GRACE,
        )
    if executor == "sync":
        return InlineExecutor()
    raise ValueError(f"unknown executor {executor!r}: use 'fork' or 'sync'")
