"""TaskTiger: the object users create, decorate tasks with and queue tasks through."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar, overload

import redis
import structlog

from tiger_adapters.clock import SystemClock
from tiger_adapters.compat.options import OPTION_NAMES, make_options
from tiger_adapters.logging import configure_logging
from tiger_adapters.redis import RedisTaskStore
from tiger_core.config import TigerConfig
from tiger_core.functions import serialize_func_name
from tiger_core.model.state import TaskState
from tiger_core.ports import Clock, TaskStore

if TYPE_CHECKING:
    from tiger_adapters.compat.task import Task

F = TypeVar("F", bound=Callable[..., Any])


class TaskTiger:
    """Entry point of the API, shaped like TaskTiger's class of the same name.

    Args:
        connection: a ``redis.Redis`` built with ``decode_responses=True``; a local
            default client is created when neither this nor ``store`` is given.
        config: TaskTiger config keys (validated; unknown keys are rejected).
        setup_structlog: configure structlog to print JSON lines.
        lazy_init: defer everything to :meth:`init`.
        store: any TaskStore, e.g. ``MemoryTaskStore()`` for tests; replaces Redis.
        clock: the time source (the system clock by default).
    """

    def __init__(
        self,
        connection: redis.Redis | None = None,
        config: Mapping[str, Any] | None = None,
        setup_structlog: bool = False,
        lazy_init: bool = False,
        *,
        store: TaskStore | None = None,
        clock: Clock | None = None,
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
        self.init(connection, config, setup_structlog, store=store, clock=clock)

    def init(
        self,
        connection: redis.Redis | None = None,
        config: Mapping[str, Any] | None = None,
        setup_structlog: bool = False,
        *,
        store: TaskStore | None = None,
        clock: Clock | None = None,
    ) -> None:
        """Finish construction (needed once after ``lazy_init=True``).

        Raises:
            RuntimeError: the instance was already initialized.
            ConfigError: a config key or value is invalid.
        """
        if self._initialized:
            raise RuntimeError("TaskTiger was already initialized")
        self.config = TigerConfig.from_mapping(config)
        if store is None:
            connection = connection or redis.Redis(decode_responses=True)
            store = RedisTaskStore(
                connection,
                prefix=self.config.REDIS_PREFIX,
                publish=self.config.PUBLISH_QUEUED_TASKS,
            )
        self.connection = connection
        self.store: TaskStore = store
        self.clock: Clock = clock or SystemClock()
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

    def run_worker(
        self,
        queues: str | None = None,
        module: str | None = None,
        exclude_queues: str | None = None,
        *,
        executor: str = "fork",
        exit_after: dt.timedelta | None = None,
        store_tracebacks: bool | None = None,
    ) -> None:
        """Run a worker on this instance until it is stopped (SIGTERM or SIGINT).

        Args:
            queues: comma-separated queues to process (default: all).
            module: comma-separated modules to import first.
            exclude_queues: comma-separated queues to skip.
            executor: "fork" (a child per task) or "sync" (in-process).
            exit_after: stop after this much time (checked between tasks).
            store_tracebacks: override STORE_TRACEBACKS.
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
        )
        worker.run(exit_after=exit_after)

    def get_queue_sizes(self, queue: str) -> dict[str, int]:
        """Return the queued, scheduled and active counts of ``queue``."""
        states = (TaskState.QUEUED, TaskState.SCHEDULED, TaskState.ACTIVE)
        return {str(state): self.store.count(queue, state) for state in states}


def _split(value: str | None) -> list[str] | None:
    if value is None:
        return None
    return [part.strip() for part in value.split(",") if part.strip()]
