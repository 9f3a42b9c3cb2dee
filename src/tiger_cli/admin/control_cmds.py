"""Queue control subcommands: ``tiger pause`` and ``tiger resume`` (the system lock)."""

from __future__ import annotations

import click

from tiger_cli.admin.context import AdminContext, pass_admin
from tiger_cli.admin.format import echo_json, iso_utc
from tiger_cli.admin.inspect_cmds import json_option
from tiger_cli.admin.lookup import require_queue

force_option = click.option(
    "--force", is_flag=True, help="Also for a queue that has no tasks yet."
)


@click.command()
@click.argument("queue")
@click.option(
    "--for",
    "seconds",
    required=True,
    type=click.FloatRange(min=0, min_open=True),
    metavar="SECONDS",
    help="How long the pause lasts.",
)
@force_option
@json_option
@pass_admin
def pause(
    admin: AdminContext, queue: str, seconds: float, force: bool, as_json: bool
) -> None:
    """Pause QUEUE for workers with a queue limit (-M or SINGLE_WORKER_QUEUES).

    Sets TaskTiger's queue system lock: such workers take no new task of QUEUE
    until it expires or `tiger resume` clears it; running tasks finish. Workers
    without a queue limit are not affected.
    """
    tiger = admin.tiger()
    if not force:
        require_queue(tiger, queue)
    tiger.set_queue_system_lock(queue, seconds)
    until = iso_utc(tiger.get_queue_system_lock(queue))
    if as_json:
        echo_json({"queue": queue, "paused_until": until})
    else:
        click.echo(f"paused queue {queue!r} until {until}")


@click.command()
@click.argument("queue")
@force_option
@json_option
@pass_admin
def resume(admin: AdminContext, queue: str, force: bool, as_json: bool) -> None:
    """Resume QUEUE now: clear the system lock set by `tiger pause`."""
    tiger = admin.tiger()
    paused = tiger.get_queue_system_lock(queue) is not None
    if not (force or paused):
        require_queue(tiger, queue)
    removed = tiger.locks.clear_system_lock(queue)
    active = removed is not None and removed > tiger.clock.now()
    if as_json:
        echo_json({"queue": queue, "was_paused": active})
    elif active:
        click.echo(f"resumed queue {queue!r} (it was paused until {iso_utc(removed)})")
    else:
        click.echo(f"queue {queue!r} was not paused")
