"""TaskTiger: the object users create, decorate tasks with and queue tasks through."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar, overload

import redis
import structlog

from tiger_adapters.clock import SystemClock
from tiger_adapters.compat.current import CurrentTask, PermanentErrorHook
from tiger_adapters.compat.inspection import Inspection
from tiger_adapters.compat.options import OPTION_NAMES, make_options
from tiger_adapters.logging import configure_logging
from tiger_adapters.memory import MemoryLockStore
from tiger_adapters.redis import RedisLockStore, RedisTaskStore
from tiger_adapters.redis.clock import RedisClock
from tiger_core.config import TigerConfig
from tiger_core.functions import restrict_imports, serialize_func_name
from tiger_core.policies.schedule import CronSchedule, PeriodicSchedule
from tiger_core.ports import Clock, ErrorReporter, LockStore, TaskStore

if TYPE_CHECKING:
    from tiger_adapters.compat.task import Task

F = TypeVar("F", bound=Callable[..., Any])


class TaskTiger(Inspection, CurrentTask):
    """Entry point of the API, shaped like TaskTiger's class of the same name.

    Args:
        connection: a ``redis.Redis`` built with ``decode_responses=True``; a local
            default client is created when neither this nor ``store`` is given.
        config: TaskTiger config keys (validated; unknown keys are rejected).
        setup_structlog: configure structlog to print JSON lines.
        lazy_init: defer everything to :meth:`init`.
        store: any TaskStore, e.g. ``MemoryTaskStore()`` for tests; replaces Redis.
        clock: the time source (the system clock by default).
        locks: task locks and queue slots; by default Redis locks on the Redis
            store's client and prefix, or a ``MemoryLockStore`` for another store.
    """

    def __init__(  # noqa: PLR0913 - TaskTiger's arguments plus keyword-only ports
        self,
        connection: redis.Redis | None = None,
        config: Mapping[str, Any] | None = None,
        setup_structlog: bool = False,
        lazy_init: bool = False,
        *,
        store: TaskStore | None = None,
        clock: Clock | None = None,
        locks: LockStore | None = None,
    ) -> None:
        """Build the instance, or only its registry when ``lazy_init`` is set."""
        self.periodic_task_funcs: dict[str, Callable[..., Any]] = {}
        self._initialized = False
        if lazy_init:
            if connection is not None or config is not None or setup_structlog:
                raise ValueError(
                    "lazy_init=True takes no other arguments; pass them to init()"
                )
            return
        self.init(
            connection, config, setup_structlog, store=store, clock=clock, locks=locks
        )

    def init(
        self,
        connection: redis.Redis | None = None,
        config: Mapping[str, Any] | None = None,
        setup_structlog: bool = False,
        *,
        store: TaskStore | None = None,
        clock: Clock | None = None,
        locks: LockStore | None = None,
    ) -> None:
        """Finish construction (needed once after ``lazy_init=True``).

        Raises:
            RuntimeError: the instance was already initialized.
            ConfigError: a config key or value is invalid.
        """
        if self._initialized:
            raise RuntimeError("TaskTiger was already initialized")
        self.config = TigerConfig.from_mapping(config)
        if self.config.TASK_MODULES is not None:  # process-wide, see restrict_imports
            restrict_imports(self.config.TASK_MODULES)
        if store is None:
            connection = connection or redis.Redis(decode_responses=True)
            store = RedisTaskStore(
                connection,
                prefix=self.config.REDIS_PREFIX,
                publish=self.config.PUBLISH_QUEUED_TASKS,
            )
        self.connection = connection
        self.store: TaskStore = store
        self.locks: LockStore = locks or _default_locks(store)
        # One clock for every host: Redis server time when Redis is used.
        self.clock: Clock = clock or (
            RedisClock(connection) if connection is not None else SystemClock()
        )
        if setup_structlog:
            configure_logging()
        self.log = structlog.get_logger(self.config.LOGGER_NAME)
        self._initialized = True

    @overload
    def task(self, _fn: F) -> F: ...

    @overload
    def task(self, _fn: None = None, **options: Any) -> Callable[[F], F]: ...

    def task(self, _fn: F | None = None, **options: Any) -> F | Callable[[F], F]:
        """Mark a function as a task, bare (``@tiger.task``) or with options.

        Options are those of :meth:`delay` except ``when``, plus ``batch`` and
        ``schedule``. The function is returned unchanged, with the options stored as
        attributes and a ``delay(*args, **kwargs)`` method added.

        Raises:
            TypeError: an option name is unknown.
        """
        batch = bool(options.pop("batch", False))
        schedule = options.pop("schedule", None)
        if schedule is not None:
            if not isinstance(schedule, PeriodicSchedule | CronSchedule):
                raise TypeError(
                    "schedule must be periodic(...) or cron_expr(...), "
                    f"got {schedule!r}"
                )
            options["unique"] = True  # a periodic task is one unique task
        unknown = set(options) - set(OPTION_NAMES)
        if unknown:
            raise TypeError(f"unknown task option(s): {', '.join(sorted(unknown))}")
        parsed = make_options(**options)

        def decorate(func: F) -> F:
            for name, value in options.items():
                if value is not None:
                    setattr(func, f"_task_{name}", value)
            func._task_options = parsed  # type: ignore[attr-defined]
            func._task_batch = batch  # type: ignore[attr-defined]
            if schedule is not None:
                func._task_schedule = schedule  # type: ignore[attr-defined]
                self.periodic_task_funcs[serialize_func_name(func)] = func

            def delay(*args: Any, **kwargs: Any) -> Task:
                return self.delay(func, args=args, kwargs=kwargs)

            func.delay = delay  # type: ignore[attr-defined]
            return func

        return decorate(_fn) if _fn is not None else decorate

    def delay(
        self,
        func: Callable[..., Any],
        args: Sequence[Any] | None = None,
        kwargs: Mapping[str, Any] | None = None,
        *,
        when: dt.datetime | dt.timedelta | None = None,
        **options: Any,
    ) -> Task:
        """Queue ``func(*args, **kwargs)``; options given here beat the decorator's.

        Args:
            func: an importable function (``module:qualname``).
            args: positional arguments (JSON-serializable).
            kwargs: keyword arguments (JSON-serializable).
            when: run at this datetime (naive means UTC) or after this timedelta.
            **options: queue, hard_timeout, unique, unique_key, lock, lock_key,
                retry, retry_on, retry_method, max_queue_size,
                max_stored_executions, runner_class.

        Returns:
            The queued Task.
        """
        from tiger_adapters.compat.task import Task  # noqa: PLC0415 - import cycle

        # TaskTiger stores max_queue_size only when Task() or @task is given it.
        max_queue_size = options.pop("max_queue_size", None)
        task = Task(self, func, args=args, kwargs=kwargs, **options)
        task.delay(when=when, max_queue_size=max_queue_size)
        return task

    def delay_many(self, calls: Iterable[Mapping[str, Any]]) -> list[Task]:
        """Queue many tasks with one write (Tiger's own API; TaskTiger has none).

        Each call is a mapping of :meth:`delay`'s arguments: ``func`` (required),
        ``args``, ``kwargs``, ``when`` and any option (``queue``, ``unique``,
        ``max_queue_size``, ...). Every task is stored exactly as ``delay`` would
        store it, in the order given, in one atomic store call (Redis: one
        MULTI/EXEC pipeline). With ``ALWAYS_EAGER`` each call goes through
        :meth:`delay` instead.

        Returns:
            The queued Tasks, in the order of ``calls``.

        Raises:
            QueueFullException: some calls hit their ``max_queue_size``; the others
                were queued.
            PayloadTooLarge: a payload is over MAX_PAYLOAD_BYTES; nothing was written.
        """
        from tiger_adapters.compat.bulk import delay_many  # noqa: PLC0415 - cycle

        return delay_many(self, calls)

    def run_worker(  # noqa: PLR0913 - TaskTiger's run_worker arguments
        self,
        queues: str | None = None,
        module: str | None = None,
        exclude_queues: str | None = None,
        *,
        executor: str = "fork",
        exit_after: dt.timedelta | None = None,
        store_tracebacks: bool | None = None,
        max_workers_per_queue: int | None = None,
    ) -> None:
        """Run a worker on this instance until it is stopped (SIGTERM or SIGINT).

        Args:
            queues: comma-separated queues to process (default: all).
            module: comma-separated modules to import first.
            exclude_queues: comma-separated queues to skip.
            executor: "fork" (a child per task) or "sync" (in-process).
            exit_after: stop after this much time (checked between tasks).
            store_tracebacks: override STORE_TRACEBACKS.
            max_workers_per_queue: most workers processing one queue at once.
        """
        import importlib  # noqa: PLC0415 - only workers import user modules

        from tiger_adapters.compat.worker import Worker  # noqa: PLC0415 - cycle

        for name in filter(None, (module or "").split(",")):
            importlib.import_module(name.strip())
        worker = Worker(
            self,
            queues=_split(queues),
            exclude_queues=_split(exclude_queues),
            executor=executor,
            store_tracebacks=store_tracebacks,
            max_workers_per_queue=max_workers_per_queue,
        )
        worker.run(exit_after=exit_after)

    def run_worker_with_args(
        self, args: Sequence[str], *, error_reporters: Sequence[ErrorReporter] = ()
    ) -> None:
        """Run a worker on this instance from command-line ``args`` (TaskTiger's).

        For launch scripts: ``tiger.run_worker_with_args(sys.argv[1:])`` takes the
        options of ``tiger-worker`` that TaskTiger's command has, with this
        instance's config and periodic tasks. The connection options are ignored.
        Ends with ``SystemExit``, as a click command does.
        """
        from tiger_adapters.compat.worker_cli import (  # noqa: PLC0415 - cycle
            run_worker_with_args,
        )

        run_worker_with_args(self, args, error_reporters=error_reporters)

    def set_queue_system_lock(self, queue: str, timeout: float) -> None:
        """Pause ``queue`` for ``timeout`` seconds for workers with a queue limit.

        Workers started with ``max_workers_per_queue`` (``-M``), or processing a
        SINGLE_WORKER_QUEUES queue, take no new task of ``queue`` until the lock
        expires; running tasks finish. Workers without a limit are not affected.
        Compatible with TaskTiger: the pause is ``SYSTEM_LOCK`` in ``P:qslock:<q>``.
        """
        self.locks.set_system_lock(queue, timeout=timeout, now=self.clock.now())

    def get_queue_system_lock(self, queue: str) -> float | None:
        """Return when the system lock of ``queue`` expires (epoch seconds), or None."""
        return self.locks.get_system_lock(queue)

    def _key(self, *parts: str) -> str:
        """Return ``<REDIS_PREFIX>:part1:part2...`` (TaskTiger's key builder)."""
        return ":".join([self.config.REDIS_PREFIX, *parts])

    def permanent_error_hook(self) -> PermanentErrorHook:
        """The error reporter that calls runners' ``on_permanent_error``."""
        return PermanentErrorHook(self)


def _default_locks(store: TaskStore) -> LockStore:
    """Redis locks next to a Redis store (same client and prefix), else memory."""
    if isinstance(store, RedisTaskStore):
        return RedisLockStore(store.client, prefix=store.prefix)
    return MemoryLockStore()


def _split(value: str | None) -> list[str] | None:
    if value is None:
        return None
    return [part.strip() for part in value.split(",") if part.strip()]
