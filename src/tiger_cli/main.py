"""tiger-worker: process tasks until SIGTERM or SIGINT, then exit 0."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import click

from tiger_adapters.compat.worker_cli import (
    import_modules,
    run_options,
    start_worker,
    worker_options,
)
from tiger_adapters.logging import configure_logging
from tiger_cli import __version__
from tiger_cli.connection import (
    config_option,
    one_line,
    prefix_option,
    resolve_config,
    resolve_url,
    url_option,
)
from tiger_cli.container import (
    Container,
    RedisUnavailableError,
    ReportingUnavailableError,
)
from tiger_cli.settings import WorkerSettings
from tiger_core.errors import ConfigError


@click.command(context_settings={"help_option_names": ["--help"]})
@url_option
@worker_options
@prefix_option
@config_option
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
    url = resolve_url(url, values)
    config = resolve_config(prefix, config_items)
    try:
        options = run_options(values)
        return WorkerSettings(
            **options.model_dump(),
            url=url,
            config=config,
            sentry_dsn=sentry_dsn or None,
        )
    except ValueError as exc:
        raise click.ClickException(one_line(exc)) from exc


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


def main(argv: Sequence[str] | None = None) -> None:
    """Console-script entry point of ``tiger-worker``."""
    cli.main(
        args=list(argv) if argv is not None else sys.argv[1:], prog_name="tiger-worker"
    )
