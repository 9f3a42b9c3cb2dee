"""tiger-worker: process tasks until SIGTERM or SIGINT, then exit 0."""

from __future__ import annotations

import datetime as dt
import importlib
import sys
from collections.abc import Sequence

import click
import structlog
from pydantic import ValidationError

from tiger_adapters.compat import Worker
from tiger_adapters.logging import configure_logging
from tiger_cli import __version__
from tiger_cli.container import Container, RedisUnavailableError
from tiger_cli.settings import WorkerSettings, split_list
from tiger_core.errors import ConfigError


@click.command(context_settings={"help_option_names": ["--help"]})
@click.option(
    "--url",
    envvar="REDIS_URL",
    default="redis://localhost:6379/0",
    show_default=True,
    help="Redis URL (redis://, rediss://, unix://), or memory:// for an "
    "in-process store. Also read from $REDIS_URL.",
)
@click.option(
    "-q", "--queues", help="Comma-separated queues (and subqueues) to process."
)
@click.option("-e", "--exclude-queues", help="Comma-separated queues to skip.")
@click.option(
    "-m", "--module", help="Comma-separated modules to import before starting."
)
@click.option(
    "--executor",
    type=click.Choice(["fork", "sync"]),
    default="fork",
    show_default=True,
    help="fork: a fresh child per task with a hard timeout; sync: in-process.",
)
@click.option(
    "--exit-after",
    type=click.FloatRange(min=0, min_open=True),
    help="Exit after this many minutes (between tasks).",
)
@click.option(
    "--store-tracebacks/--no-store-tracebacks",
    default=None,
    help="Keep tracebacks in execution records  [default: STORE_TRACEBACKS, on]",
)
@click.option(
    "--prefix", default="t", show_default=True, help="Redis key prefix (REDIS_PREFIX)."
)
@click.version_option(__version__, prog_name="tiger-worker")
def cli(  # noqa: PLR0913, PLR0917 - click passes one parameter per option
    url: str,
    queues: str | None,
    exclude_queues: str | None,
    module: str | None,
    executor: str,
    exit_after: float | None,
    store_tracebacks: bool | None,
    prefix: str,
) -> None:
    """Run a Tiger worker: it processes tasks until SIGTERM or SIGINT.

    On a stop signal it finishes the task in hand and exits 0.
    """
    try:
        settings = WorkerSettings(
            url=url,
            queues=split_list(queues),
            exclude_queues=split_list(exclude_queues),
            modules=split_list(module) or (),
            executor=executor,  # type: ignore[arg-type]  # click.Choice checked it
            exit_after_minutes=exit_after,
            store_tracebacks=store_tracebacks,
            config={"REDIS_PREFIX": prefix},
        )
    except ValidationError as exc:
        raise click.UsageError(_first_error(exc)) from exc
    run(settings)


def run(settings: WorkerSettings) -> None:
    """Wire the worker from ``settings`` and run it until it is stopped.

    Raises:
        click.ClickException: a module cannot be imported, Redis cannot be reached
            or the config is invalid (a one-line message, exit code 1).
    """
    configure_logging()
    for name in settings.modules:
        try:
            importlib.import_module(name)
        except Exception as exc:
            raise click.ClickException(f"cannot import module {name!r}: {exc}") from exc
    container = Container(settings=settings)
    try:
        tiger = container.tiger()
    except (RedisUnavailableError, ConfigError) as exc:
        raise click.ClickException(str(exc)) from exc
    try:
        worker = Worker(
            tiger,
            queues=settings.queues,
            exclude_queues=settings.exclude_queues,
            executor=settings.executor,
            store_tracebacks=settings.store_tracebacks,
        )
        minutes = settings.exit_after_minutes
        worker.run(exit_after=dt.timedelta(minutes=minutes) if minutes else None)
    except Exception:
        structlog.get_logger("tiger").exception("unhandled exception")
        raise
    finally:
        container.shutdown_resources()


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"])
    return f"invalid {where}: {error['msg']}"


def main(argv: Sequence[str] | None = None) -> None:
    """Console-script entry point of ``tiger-worker``."""
    cli.main(
        args=list(argv) if argv is not None else sys.argv[1:], prog_name="tiger-worker"
    )
