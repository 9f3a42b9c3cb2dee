"""tiger: inspect and manage queues and tasks (the click group and its entry point).

A subcommand receives the :class:`AdminContext` with ``@pass_admin`` (from
``tiger_cli.admin.context``); ``admin.tiger()`` builds the TaskTiger through the
composition root on first use. Subcommands are registered at the end of this module.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import click
import redis
from pydantic import ValidationError

from tiger_adapters.compat.worker_cli import connection_options
from tiger_cli import __version__
from tiger_cli.admin.context import AdminContext
from tiger_cli.admin.control_cmds import pause, resume
from tiger_cli.admin.enqueue_cmd import enqueue
from tiger_cli.admin.error_cmds import delete, purge_errors, retry
from tiger_cli.admin.inspect_cmds import queues, show, tasks
from tiger_cli.connection import (
    config_option,
    one_line,
    prefix_option,
    resolve_config,
    resolve_url,
    url_option,
)
from tiger_cli.dashboard.command import dashboard
from tiger_cli.settings import WorkerSettings
from tiger_core.errors import TigerError


class AdminGroup(click.Group):
    """A click group whose subcommands' storage and domain errors end in one line."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run the subcommand; a Redis error becomes a one-line message."""
        try:
            return super().invoke(ctx)
        except redis.RedisError as exc:
            raise click.ClickException(f"Redis error: {one_line(exc)}") from exc
        except (TigerError, ValidationError) as exc:
            raise click.ClickException(one_line(exc)) from exc


@click.group(cls=AdminGroup, context_settings={"help_option_names": ["--help"]})
@url_option
@connection_options
@prefix_option
@config_option
@click.version_option(__version__, prog_name="tiger")
@click.pass_context
def cli(
    ctx: click.Context,
    /,
    url: str | None,
    prefix: str | None,
    config_items: tuple[str, ...],
    **values: Any,
) -> None:
    """Inspect and manage Tiger (and TaskTiger) queues and tasks.

    Connection options are those of tiger-worker; they go before the
    subcommand: tiger --url redis://host:6379/0 queues.
    """
    config = resolve_config(prefix, config_items)
    try:
        settings = WorkerSettings(url=resolve_url(url, values), config=config)
    except ValueError as exc:
        raise click.ClickException(one_line(exc)) from exc
    ctx.obj = AdminContext(settings)


def main(argv: Sequence[str] | None = None) -> None:
    """Console-script entry point of ``tiger``: every error is one line on stderr.

    Exit codes: 0 on success, 1 for an error (bad value, unknown queue or task,
    Redis down, refused confirmation), 2 for a usage error (unknown option,
    missing argument, bad choice).
    """
    args = list(argv) if argv is not None else sys.argv[1:]
    try:
        code = cli.main(args=args, prog_name="tiger", standalone_mode=False)
    except click.UsageError as exc:
        where = exc.ctx.command_path if exc.ctx else "tiger"
        click.echo(f"Error: {exc.format_message()} (see {where} --help)", err=True)
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        click.echo(f"Error: {one_line(exc)}", err=True)
        sys.exit(exc.exit_code)
    except click.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)


cli.add_command(queues)
cli.add_command(tasks)
cli.add_command(show)
cli.add_command(retry)
cli.add_command(delete)
cli.add_command(purge_errors)
cli.add_command(pause)
cli.add_command(resume)
cli.add_command(enqueue)
cli.add_command(dashboard)
