"""tiger-worker: process tasks until SIGTERM or SIGINT, then exit 0."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any

import click
from click.core import ParameterSource
from pydantic import ValidationError

from tiger_adapters.compat.worker_cli import (
    CONNECTION_OPTIONS,
    import_modules,
    run_options,
    start_worker,
    worker_options,
)
from tiger_adapters.logging import configure_logging
from tiger_cli import __version__
from tiger_cli.container import (
    Container,
    RedisUnavailableError,
    ReportingUnavailableError,
)
from tiger_cli.settings import WorkerSettings, config_from, redis_url
from tiger_core.config import TigerConfig
from tiger_core.errors import ConfigError

#: The Redis URL when neither --url, $REDIS_URL nor -h/-p/-a/-n is given.
DEFAULT_URL = "redis://localhost:6379/0"


@click.command(context_settings={"help_option_names": ["--help"]})
@click.option(
    "--url",
    envvar="REDIS_URL",
    show_default=f"$REDIS_URL, else {DEFAULT_URL}",
    help="Redis URL (redis://, rediss://, unix://), or memory:// for an "
    "in-process store. Cannot be combined with -h/-p/-a/-n.",
)
@worker_options
@click.option(
    "--prefix",
    show_default="REDIS_PREFIX, t",
    help="Redis key prefix; same as --config REDIS_PREFIX=P.",
)
@click.option(
    "--config",
    "config_items",
    multiple=True,
    metavar="KEY=VALUE",
    show_default="none",
    help="Set a config key (repeatable); VALUE is JSON (5, true, "
    '\'["a","b"]\') or plain text. Variables TIGER_<KEY> are read first.',
)
@click.option(
    "--sentry-dsn",
    envvar="SENTRY_DSN",
    show_default="$SENTRY_DSN, else off",
    help="Report every failed execution to this Sentry project "
    "(needs tiger-queue[sentry]).",
)
@click.version_option(__version__, prog_name="tiger-worker")
def cli(
    url: str | None,
    prefix: str | None,
    config_items: tuple[str, ...],
    sentry_dsn: str | None,
    **values: Any,
) -> None:
    """Run a Tiger worker: it processes tasks until SIGTERM or SIGINT.

    On a stop signal it finishes the task in hand and exits 0. Options are those
    of TaskTiger's ``tasktiger`` command, plus --url, --prefix, --config,
    --sentry-dsn and --version.
    """
    settings = _settings(url, prefix, config_items, sentry_dsn, values)
    run(settings)


def _settings(
    url: str | None,
    prefix: str | None,
    config_items: tuple[str, ...],
    sentry_dsn: str | None,
    values: dict[str, Any],
) -> WorkerSettings:
    """Validate every option before anything connects.

    Raises:
        click.ClickException: a one-line message naming the bad option or key.
    """
    parts = [values.get(name) for name in CONNECTION_OPTIONS]
    source = click.get_current_context().get_parameter_source("url")
    if any(part is not None for part in parts):
        if source is ParameterSource.COMMANDLINE:
            raise click.ClickException("use either --url or -h/-p/-a/-n, not both")
        url = redis_url(*parts)
    try:
        config = config_from(os.environ, config_items, prefix)
        TigerConfig.from_mapping(config)
        options = run_options(values)
        return WorkerSettings(
            **options.model_dump(),
            url=url or DEFAULT_URL,
            config=config,
            sentry_dsn=sentry_dsn or None,
        )
    except (ValueError, ConfigError) as exc:
        raise click.ClickException(_one_line(exc)) from exc


def run(settings: WorkerSettings) -> None:
    """Wire the worker from ``settings`` and run it until it is stopped.

    Raises:
        click.ClickException: a module cannot be imported, Redis cannot be reached,
            the config is invalid or error reporting cannot be set up (a one-line
            message, exit code 1).
    """
    configure_logging()
    import_modules(settings.modules)
    container = Container(settings=settings)
    try:
        try:
            tiger = container.tiger()
            reporters = container.error_reporters()
        except (RedisUnavailableError, ReportingUnavailableError, ConfigError) as exc:
            raise click.ClickException(str(exc)) from exc
        start_worker(tiger, settings, error_reporters=reporters)
    finally:
        container.shutdown_resources()


def _one_line(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"])
        return f"invalid {where}: {error['msg']}"
    return str(exc).splitlines()[0]


def main(argv: Sequence[str] | None = None) -> None:
    """Console-script entry point of ``tiger-worker``."""
    cli.main(
        args=list(argv) if argv is not None else sys.argv[1:], prog_name="tiger-worker"
    )
