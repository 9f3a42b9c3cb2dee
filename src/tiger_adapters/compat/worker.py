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

import structlog

from tiger_adapters.compat.outage import BACKOFF_CAP, Outage, redis_location
from tiger_adapters.compat.persist import Persistence
from tiger_adapters.compat.queue_watch import QueueWatch
from tiger_adapters.executor import ForkExecutor, InlineExecutor
from tiger_adapters.executor.context import bind_host
from tiger_adapters.redis.health import check_eviction_policy
from tiger_adapters.stats import TimedExecutor, WorkerStats
from tiger_core.ports import ErrorReporter, Executor
from tiger_core.services.periodic import queue_periodic_tasks
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
        error_reporters: told about every failed execution (e.g.
            ``SentryErrorReporter()``); their own errors are logged, never raised.
        single_worker_queues: queues (and subqueues) processed by at most one
            worker at a time (default: SINGLE_WORKER_QUEUES).
        max_workers_per_queue: most workers processing one queue at once (``-M``;
            default: no limit). Pausing a queue with
            ``TaskTiger.set_queue_system_lock`` affects only limited workers.
    """

    def __init__(  # noqa: PLR0913 - TaskTiger's Worker arguments
        self,
        tiger: TaskTiger,
        queues: Sequence[str] | None = None,
        exclude_queues: Sequence[str] | None = None,
        *,
        executor: str | Executor = "fork",
        store_tracebacks: bool | None = None,
        error_reporters: Sequence[ErrorReporter] = (),
        single_worker_queues: Sequence[str] | None = None,
        max_workers_per_queue: int | None = None,
    ) -> None:
        """Set up the worker; nothing runs until :meth:`run`.

        Raises:
            ConfigError: ``max_workers_per_queue`` is below 1.
        """
        config = tiger.config
        if single_worker_queues:
            config = config.model_copy(
                update={"SINGLE_WORKER_QUEUES": tuple(single_worker_queues)}
            )
        if store_tracebacks is not None:
            config = config.model_copy(update={"STORE_TRACEBACKS": store_tracebacks})
        self.tiger = tiger
        self.id = str(uuid.uuid4())
        self.executor_name = (
            executor if isinstance(executor, str) else type(executor).__name__
        )
        self._executor = _make_executor(executor, tiger)
        log = structlog.get_logger(config.LOGGER_NAME).bind(worker_id=self.id)
        self.stats = WorkerStats(config.STATS_INTERVAL, log)
        self._stop = threading.Event()
        connection = getattr(tiger, "connection", None)
        #: One backoff state for the loop and for the calls made while tasks are
        #: held, so that an outage is logged once whoever meets it.
        self._outage = Outage(log, self._stop, where=redis_location(connection))
        persist = Persistence(
            self._outage, self._stop, grace=config.ACTIVE_TASK_UPDATE_TIMEOUT
        )
        self.cycle = WorkerCycle(
            tiger.store,
            TimedExecutor(self._executor, self.stats),
            tiger.clock,
            config,
            owner=self.id,
            only=queues if queues is not None else config.ONLY_QUEUES,
            exclude=exclude_queues
            if exclude_queues is not None
            else config.EXCLUDE_QUEUES,
            host=socket.gethostname(),
            reporters=(*error_reporters, tiger.permanent_error_hook()),
            locks=tiger.locks,
            max_workers_per_queue=max_workers_per_queue,
            persist=persist,
            restart_grace=BACKOFF_CAP,
        )
        bind_host(tiger)  # tasks run through tiger's runners and context managers

    @property
    def max_workers_per_queue(self) -> int | None:
        """The per-queue worker limit (TaskTiger's tests set it directly)."""
        return self.cycle.guards.max_workers_per_queue

    @max_workers_per_queue.setter
    def max_workers_per_queue(self, value: int | None) -> None:
        self.cycle.guards.max_workers_per_queue = value

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

        The first SIGTERM or SIGINT stops taking work; the task in hand finishes
        and ``run`` returns. A second one kills the task in hand (SIGKILL of the
        fork child) and settles it as a failed execution recorded as a
        ``JobTimeoutException`` ("worker shutdown"): it is retried when its retry
        policy covers that, else it goes to error.

        Args:
            once: return as soon as an iteration finds no work (due scheduled tasks
                are promoted without the rate limit whenever no queue is known to
                have work, so none is left behind when it returns).
            force_once: return after a single iteration.
            exit_after: return once this much time has passed (between tasks).

        Redis down, restarting, loading or failing over (at start too) is waited
        out with backoff and jitter, logged once per outage (see ``Outage``); a
        stop signal during the wait ends ``run``.

        Raises:
            RedisSetupError: Redis refused the credentials, an ACL permission,
                TLS or the connection settings (at start or later): retrying
                cannot help, so the worker stops at once.
        """
        cycle = self.cycle
        deadline = time.monotonic() + exit_after.total_seconds() if exit_after else None
        connection = getattr(self.tiger, "connection", None)
        # Redis down: wait, never crash; a wrong setup: RedisSetupError at once.
        outage = self._outage
        watch = QueueWatch(cycle.store, cycle.config, cycle.handles, self._stop)
        ready = False
        try:
            with self._signals_stop_worker():
                if connection is not None:
                    if outage.call(connection.ping) is None:
                        return  # stopped before Redis came up
                    check_eviction_policy(connection, cycle.log)
                cycle.log.info(
                    "ready",
                    queues=list(cycle.only),
                    exclude_queues=list(cycle.exclude),
                    executor=self.executor_name,
                )
                ready = True
                outage.call(
                    lambda: queue_periodic_tasks(
                        cycle.store,
                        getattr(self.tiger, "periodic_task_funcs", {}),
                        cycle.config,
                        now=cycle.clock.now(),
                        handles=cycle.handles,
                        log=cycle.log,
                    )
                )
                outage.call(watch.open)
                outage.run(
                    lambda: self._loop(
                        watch,
                        once=once or force_once,
                        force_once=force_once,
                        deadline=deadline,
                        outage=outage,
                    )
                )
        finally:
            watch.close()
            close = getattr(self._executor, "close", None)
            if close is not None:  # e.g. the fork executor's spare child
                close()
            if ready or self._stop.is_set():
                cycle.log.info("done")

    def _loop(
        self,
        watch: QueueWatch,
        *,
        once: bool,
        force_once: bool,
        deadline: float | None,
        outage: Outage,
    ) -> None:
        """Wait for work, maintain, visit the ready queues; until a stop condition."""
        cycle = self.cycle
        idle = False
        next_maintenance = -float("inf")
        while not self._stop.is_set():
            watch.wait(idle=idle)
            if self._stop.is_set():
                break
            did_work = False
            if once and (force_once or not watch.ready):  # before deciding to end
                watch.add(cycle.maintenance.promote(throttled=False))
            if time.monotonic() >= next_maintenance:
                promoted = cycle.maintain()
                watch.add(promoted)
                did_work = bool(promoted)
                next_maintenance = time.monotonic() + cycle.config.SELECT_TIMEOUT
            visiting = watch.ready | watch.blocked
            worked = cycle.process_queues(visiting, should_stop=self._stop.is_set)
            watch.visited(visiting, worked, cycle.guards.refused)
            outage.recovered()
            did_work = did_work or bool(worked)
            self.stats.log_if_due()
            if force_once or (once and not did_work and not self._promote_now(watch)):
                break
            if deadline is not None and time.monotonic() >= deadline:
                break
            idle = not did_work

    def _promote_now(self, watch: QueueWatch) -> bool:
        """Once mode, before ending: promote due tasks now; whether work is known."""
        if not watch.ready:
            watch.add(self.cycle.maintenance.promote(throttled=False))
        return bool(watch.ready)

    @contextmanager
    def _signals_stop_worker(self) -> Iterator[None]:
        """SIGTERM/SIGINT: first a graceful stop, then a kill of the task in hand."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return

        def request_stop(signum: int, frame: FrameType | None) -> None:
            if not self._stop.is_set():
                self.cycle.log.info(
                    "stop requested, waiting for task to finish", signal=signum
                )
                self._stop.set()
                return
            self.cycle.log.warning("second stop signal: killing the task in hand")
            interrupt = getattr(self._executor, "interrupt", None)
            if interrupt is not None:
                interrupt()

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
            fork_server=tiger.config.FORK_SERVER,
            lease=tiger.config.ACTIVE_TASK_UPDATE_TIMEOUT,
        )
    if executor == "sync":
        return InlineExecutor(heartbeat_interval=tiger.config.ACTIVE_TASK_UPDATE_TIMER)
    raise ValueError(f"unknown executor {executor!r}: use 'fork' or 'sync'")
