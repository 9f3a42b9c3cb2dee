"""tiger-worker: process tasks until SIGTERM or SIGINT, then exit 0.

Redis down at start (or later) is waited out by ``Worker.run``; a wrong setup
(options, config, URL, Redis credentials, ACL, TLS) is one line and exit code 2.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import click

from tiger_adapters.compat.outage import RedisSetupError
from tiger_adapters.compat.worker_cli import (
    EXIT_CODES_HELP,
    SetupError,
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
from tiger_cli.container import Container, ReportingUnavailableError
from tiger_cli.settings import WorkerSettings
from tiger_core.errors import ConfigError


@click.command(
    context_settings={"help_option_names": ["--help"]}, epilog=EXIT_CODES_HELP
)
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

    On a stop signal it finishes the task in hand and exits 0. While Redis is
    down (at start too) it waits and retries, logging once per outage. Options
    are those of TaskTiger's ``tasktiger`` command, plus --url, --prefix,
    --config, --sentry-dsn and --version.
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
        SetupError: a one-line message naming the bad option or key (exit 2).
    """
    try:
        url = resolve_url(url, values)
        config = resolve_config(prefix, config_items)
    except click.ClickException as exc:
        raise SetupError(exc.message) from exc
    try:
        options = run_options(values)
        return WorkerSettings(
            **options.model_dump(),
            url=url,
            config=config,
            sentry_dsn=sentry_dsn or None,
        )
    except ValueError as exc:
        raise SetupError(one_line(exc)) from exc


def run(settings: WorkerSettings) -> None:
    """Wire the worker from ``settings`` and run it until it is stopped.

    Nothing is sent to Redis here: ``Worker.run`` waits for an unreachable Redis
    (logging once, a stop signal ends the wait with exit code 0) and raises
    ``RedisSetupError`` on a wrong setup, by the one rule of ``outage.classify``.

    Raises:
        SetupError: the config is invalid, error reporting cannot be set up, or
            Redis refused the credentials, an ACL permission, TLS or the
            connection settings (a one-line message, exit code 2).
        click.ClickException: a module cannot be imported (exit code 1).
    """
    configure_logging()
    import_modules(settings.modules)
    container = Container(settings=settings, check_redis=False)
    try:
        try:
            tiger = container.tiger()
            reporters = container.error_reporters()
        except (RedisSetupError, ReportingUnavailableError, ConfigError) as exc:
            raise SetupError(str(exc)) from exc
        start_worker(tiger, settings, error_reporters=reporters)
    finally:
        container.shutdown_resources()


def main(argv: Sequence[str] | None = None) -> None:
    """Console-script entry point of ``tiger-worker``."""
    cli.main(
        args=list(argv) if argv is not None else sys.argv[1:], prog_name="tiger-worker"
    )
