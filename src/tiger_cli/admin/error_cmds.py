"""Subcommands on errored tasks: ``tiger retry``, ``tiger delete``, ``purge-errors``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from tiger_cli.admin.context import AdminContext, pass_admin
from tiger_cli.admin.format import echo_json, parse_utc
from tiger_cli.admin.inspect_cmds import json_option
from tiger_cli.admin.lookup import known_queues, locate_one, require_queue
from tiger_core.model.queue_name import queue_matches
from tiger_core.model.state import TaskState
from tiger_core.services.error_queue import move_error_tasks

if TYPE_CHECKING:
    from tiger_adapters.compat import TaskTiger

ERROR = TaskState.ERROR

#: What each action does: (past tense, target state: queued or None for deletion).
ACTIONS: dict[str, tuple[str, TaskState | None]] = {
    "retry": ("retried", TaskState.QUEUED),
    "delete": ("deleted", None),
}


def _error_command(action: str) -> click.Command:
    """Build ``tiger retry`` or ``tiger delete`` (same options, another target)."""
    done, _ = ACTIONS[action]

    @click.command(name=action)
    @click.argument("task_id", required=False)
    @click.option("--queue", help="The task's queue (required with --all).")
    @click.option("--all", "all_", is_flag=True, help="Every error task of --queue.")
    @click.option("--yes", is_flag=True, help="Do not ask for confirmation (--all).")
    @json_option
    @pass_admin
    def command(
        admin: AdminContext,
        task_id: str | None,
        queue: str | None,
        all_: bool,
        yes: bool,
        as_json: bool,
    ) -> None:
        tiger = admin.tiger()
        if all_:
            if task_id is not None or queue is None:
                raise click.UsageError("use either TASK_ID or --all --queue Q")
            count = _act_on_all(tiger, action, queue, yes=yes)
            result = {"action": action, "queue": queue, "count": count}
            message = f"{done} {count} error task(s) of queue {queue!r}"
        else:
            if task_id is None:
                raise click.UsageError("give a TASK_ID, or --all --queue Q")
            task = locate_one(tiger, task_id, queue=queue, states=[ERROR])
            _move(tiger, action, task.queue, task.id)
            result = {"action": action, "queue": task.queue, "id": task.id}
            message = f"{done} task {task.id} of queue {task.queue!r}"
        if as_json:
            echo_json(result)
        else:
            click.echo(message)

    command.help = (
        f"{action.capitalize()} an error task (TASK_ID), or every error task of "
        "a queue (--all --queue Q, after a confirmation unless --yes)."
    )
    return command


def _move(tiger: TaskTiger, action: str, queue: str, task_id: str) -> None:
    """Retry (error → queued) or delete one errored task (TaskNotFound if gone)."""
    _, target = ACTIONS[action]
    tiger.store.move(
        queue, task_id, from_state=ERROR, to_state=target, score=tiger.clock.now()
    )


def _act_on_all(tiger: TaskTiger, action: str, queue: str, *, yes: bool) -> int:
    """Retry or delete the errored tasks of ``queue`` (as many as were counted).

    Raises:
        click.ClickException: the queue has no tasks.
        click.Abort: the confirmation was refused.
    """
    require_queue(tiger, queue)
    total = tiger.store.count(queue, ERROR)
    if total == 0:
        return 0
    if not yes:
        click.confirm(
            f"{action.capitalize()} {total} error task(s) of queue {queue!r}?",
            abort=True,
            err=True,
        )
    _, target = ACTIONS[action]
    return move_error_tasks(
        tiger.store, tiger.clock, queue, to_state=target, limit=total
    )


retry = _error_command("retry")
delete = _error_command("delete")


@click.command(name="purge-errors")
@click.option(
    "--before",
    metavar="DATE",
    help="Only tasks whose last failure is before DATE (ISO date or datetime, UTC).",
)
@click.option("--queue", help="Only this queue and its subqueues.")
@json_option
@pass_admin
def purge_errors(
    admin: AdminContext, before: str | None, queue: str | None, as_json: bool
) -> None:
    """Delete error tasks: all of them, or those of --queue, or older than --before."""
    try:
        cutoff = parse_utc(before) if before is not None else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--before") from exc
    tiger = admin.tiger()
    if queue is not None and not any(
        queue_matches(name, (queue,)) for name in known_queues(tiger)
    ):
        raise click.ClickException(f"queue {queue!r} has no tasks")
    count = tiger.purge_errored_tasks(
        queues=[queue] if queue else [],
        exclude_queues=[],
        last_execution_before=cutoff,
        limit=None,
    )
    if as_json:
        echo_json({"purged": count})
    else:
        click.echo(f"purged {count} error task(s)")
