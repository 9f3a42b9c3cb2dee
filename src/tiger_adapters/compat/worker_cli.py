"""The options of TaskTiger's ``tasktiger`` command, and running a worker from them.

Shared by ``tiger-worker`` (which adds ``--url``, the config and ``--version``) and
``TaskTiger.run_worker_with_args`` (launch scripts that pass ``sys.argv`` to the
application's own instance, so its periodic tasks and config apply).
"""

from __future__ import annotations

import datetime as dt
import importlib
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import click
import structlog
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tiger_adapters.compat.outage import RedisSetupError
from tiger_core.ports import ErrorReporter

if TYPE_CHECKING:
    from tiger_adapters.compat.tiger import TaskTiger

F = TypeVar("F", bound=Callable[..., Any])

#: Options that name the Redis server; ignored by ``run_worker_with_args``.
CONNECTION_OPTIONS = ("host", "port", "password", "db")

#: The exit codes of a worker command, for ``--help``.
EXIT_CODES_HELP = (
    "Exit codes: 0 stopped (SIGTERM/SIGINT, --exit-after), also while waiting "
    "for Redis; 1 other failure (a module cannot be imported, a crash); 2 a "
    "usage, configuration or credentials error (options, config, URL, Redis "
    "password, ACL, TLS): restarting will not help. Redis down or failing over "
    "is never an exit: the worker waits, logging once per outage."
)


class SetupError(click.ClickException):
    """A configuration or credentials error: one line, exit code 2.

    Like click's usage errors (also 2), it means "fix the setup": a supervisor
    restarting the worker would only fail again.
    """

    exit_code = 2


class WorkerRunOptions(BaseModel):
    """How to run a worker: the TaskTiger command's options, validated.

    Attributes:
        queues: process only these queues (and subqueues); None: ONLY_QUEUES.
        exclude_queues: skip these queues (and subqueues); None: EXCLUDE_QUEUES.
        modules: modules imported before the first task (shared by the forks).
        executor: "fork" or "sync".
        exit_after_minutes: stop after this many minutes (between tasks).
        store_tracebacks: override STORE_TRACEBACKS.
        max_workers_per_queue: at most this many workers process one queue at once.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    queues: tuple[str, ...] | None = None
    exclude_queues: tuple[str, ...] | None = None
    modules: tuple[str, ...] = ()
    executor: Literal["fork", "sync"] = "fork"
    exit_after_minutes: float | None = Field(default=None, gt=0)
    store_tracebacks: bool | None = None
    max_workers_per_queue: int | None = Field(default=None, ge=1)


#: -h/-p/-a/-n: the Redis server (shared with the ``tiger`` admin command).
_CONNECTION = (
    click.option("-h", "--host", show_default="localhost", help="Redis host."),
    click.option(
        "-p",
        "--port",
        type=click.IntRange(1, 65535),
        show_default="6379",
        help="Redis port.",
    ),
    click.option("-a", "--password", show_default="none", help="Redis password."),
    click.option(
        "-n",
        "--db",
        type=click.IntRange(min=0),
        show_default="0",
        help="Redis database number.",
    ),
)

_OPTIONS = (
    click.option(
        "-q",
        "--queues",
        show_default="ONLY_QUEUES, else all",
        help="Comma-separated queues (and their subqueues) to process.",
    ),
    click.option(
        "-e",
        "--exclude-queues",
        show_default="EXCLUDE_QUEUES, else none",
        help="Comma-separated queues (and their subqueues) to skip.",
    ),
    click.option(
        "-m",
        "--module",
        show_default="none",
        help="Comma-separated modules to import before starting.",
    ),
    click.option(
        "-M",
        "--max-workers-per-queue",
        type=click.IntRange(min=1),
        show_default="no limit",
        help="Most workers that may process one queue at the same time.",
    ),
    click.option(
        "--store-tracebacks/--no-store-tracebacks",
        default=None,
        show_default="STORE_TRACEBACKS, on",
        help="Keep tracebacks in execution records.",
    ),
    *_CONNECTION,
    click.option(
        "--executor",
        type=click.Choice(["fork", "sync"]),
        default="fork",
        show_default=True,
        help="fork: a fresh child per task with a hard timeout; sync: in-process.",
    ),
    click.option(
        "--exit-after",
        type=click.FloatRange(min=0, min_open=True),
        show_default="never",
        help="Exit after this many minutes (between tasks).",
    ),
)


def worker_options(command: F) -> F:
    """Add the TaskTiger command's options to a click command (in help order)."""
    for option in reversed(_OPTIONS):
        command = option(command)
    return command


def connection_options(command: F) -> F:
    """Add only the Redis connection options (-h/-p/-a/-n) to a click command."""
    for option in reversed(_CONNECTION):
        command = option(command)
    return command


def run_options(values: dict[str, Any]) -> WorkerRunOptions:
    """Turn the parsed values of :func:`worker_options` into run options.

    Raises:
        SetupError: a value is invalid (one line, exit code 2).
    """
    try:
        return WorkerRunOptions(
            queues=split_list(values.get("queues")),
            exclude_queues=split_list(values.get("exclude_queues")),
            modules=split_list(values.get("module")) or (),
            executor=values.get("executor") or "fork",
            exit_after_minutes=values.get("exit_after"),
            store_tracebacks=values.get("store_tracebacks"),
            max_workers_per_queue=values.get("max_workers_per_queue"),
        )
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"])
        raise SetupError(f"invalid {where}: {error['msg']}") from exc


def split_list(value: str | None) -> tuple[str, ...] | None:
    """Split a comma-separated option into names (None stays None)."""
    if value is None:
        return None
    return tuple(part.strip() for part in value.split(",") if part.strip())


def ensure_cwd_importable() -> None:
    """Put the current directory first on ``sys.path``, as ``python -m`` does.

    A console script's ``sys.path`` starts with its own bin directory, so without
    this ``-m myapp.tasks`` would not find an application in the directory the
    command was started from.
    """
    cwd = os.getcwd()
    if cwd not in sys.path:
        sys.path.insert(0, cwd)


def import_modules(names: Sequence[str]) -> None:
    """Import ``names`` in order, from the current directory too.

    Raises:
        click.ClickException: a module cannot be imported (naming it and the cause).
    """
    if names:
        ensure_cwd_importable()
    for name in names:
        try:
            importlib.import_module(name)
        except Exception as exc:
            raise click.ClickException(f"cannot import module {name!r}: {exc}") from exc


def start_worker(
    tiger: TaskTiger,
    options: WorkerRunOptions,
    *,
    error_reporters: Sequence[ErrorReporter] = (),
) -> None:
    """Import the modules, then run a worker on ``tiger`` until it is stopped.

    Raises:
        click.ClickException: a module cannot be imported.
        SetupError: Redis refused the credentials, an ACL permission, TLS or the
            connection settings (the message of the ``RedisSetupError``).
    """
    from tiger_adapters.compat.worker import Worker  # noqa: PLC0415 - import cycle

    import_modules(options.modules)
    minutes = options.exit_after_minutes
    try:
        worker = Worker(
            tiger,
            queues=options.queues,
            exclude_queues=options.exclude_queues,
            executor=options.executor,
            store_tracebacks=options.store_tracebacks,
            error_reporters=error_reporters,
            max_workers_per_queue=options.max_workers_per_queue,
        )
        worker.run(exit_after=dt.timedelta(minutes=minutes) if minutes else None)
    except RedisSetupError as exc:  # one line, no traceback: the setup is wrong
        raise SetupError(str(exc)) from exc
    except Exception:
        structlog.get_logger(tiger.config.LOGGER_NAME).exception("unhandled exception")
        raise


def run_worker_with_args(
    tiger: TaskTiger,
    args: Sequence[str],
    *,
    error_reporters: Sequence[ErrorReporter] = (),
) -> None:
    """Parse TaskTiger's command-line ``args`` and run a worker on ``tiger``.

    The connection options (``-h``, ``-p``, ``-a``, ``-n``) are accepted and
    ignored, as in TaskTiger: the instance already has its connection. Like any
    click command in standalone mode it ends with ``SystemExit``.
    """

    @click.command(
        context_settings={"help_option_names": ["--help"]}, epilog=EXIT_CODES_HELP
    )
    @worker_options
    def command(**values: Any) -> None:
        """Run a worker on the application's TaskTiger instance."""
        start_worker(tiger, run_options(values), error_reporters=error_reporters)

    command.main(args=list(args), prog_name="tasktiger")
