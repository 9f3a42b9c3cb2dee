"""Read-only subcommands: ``tiger queues``, ``tiger tasks`` and ``tiger show``."""

from __future__ import annotations

import json
from typing import Any

import click

from tiger_cli.admin.context import AdminContext, pass_admin
from tiger_cli.admin.format import (
    compact_json,
    echo_json,
    iso_utc,
    render_table,
    truncate,
)
from tiger_cli.admin.lookup import locate_one, require_queue
from tiger_core.model.state import ALL_STATES, TaskState
from tiger_core.model.task import StoredTask

STATE_NAMES = [str(state) for state in ALL_STATES]
json_option = click.option(
    "--json", "as_json", is_flag=True, help="Print JSON (for scripts)."
)


@click.command()
@json_option
@pass_admin
def queues(admin: AdminContext, as_json: bool) -> None:
    """List every queue and subqueue with its task count in each state."""
    tiger = admin.tiger()
    stats = tiger.get_queue_stats()
    rows = [
        {
            "queue": queue,
            **{state: counts.get(state, 0) for state in STATE_NAMES},
            "paused_until": iso_utc(tiger.get_queue_system_lock(queue)),
        }
        for queue, counts in sorted(stats.items())
    ]
    if as_json:
        echo_json(rows)
        return
    if not rows:
        click.echo("no queues have tasks")
        return
    headers = ["QUEUE", *(s.upper() for s in STATE_NAMES), "PAUSED UNTIL"]
    click.echo(render_table(headers, [list(row.values()) for row in rows]))


@click.command()
@click.argument("queue")
@click.argument("state", type=click.Choice(STATE_NAMES), metavar="STATE")
@click.option(
    "--skip", type=click.IntRange(min=0), default=0, help="Skip the N newest tasks."
)
@click.option(
    "--limit",
    type=click.IntRange(min=1, max=10_000),
    default=50,
    show_default=True,
    help="Show at most N tasks.",
)
@json_option
@pass_admin
def tasks(
    admin: AdminContext, queue: str, state: str, skip: int, limit: int, as_json: bool
) -> None:
    """List the tasks of QUEUE in STATE, newest first.

    STATE is queued, active, scheduled or error. SCORE is the time of the task
    in that state: queued at, last heartbeat, due at, or failed at.
    """
    tiger = admin.tiger()
    require_queue(tiger, queue)
    total, page = tiger.store.list_tasks(
        queue, TaskState(state), skip=skip, limit=limit
    )
    items = [task_summary(task) for task in reversed(page)]
    if as_json:
        echo_json({"queue": queue, "state": state, "total": total, "tasks": items})
        return
    if not items:
        click.echo(f"no {state} tasks in queue {queue!r} (of {total}, skipped {skip})")
        return
    headers = ["ID", "FUNC", "ARGS", "QUEUED AT", "SCHEDULED AT", "SCORE", "EXECS"]
    rows = [
        [
            item["id"],
            item["func"],
            truncate(_call_text(item)),
            item["time_last_queued"],
            item["scheduled_at"],
            item["score"],
            item["executions_count"],
        ]
        for item in items
    ]
    click.echo(render_table(headers, rows))
    click.echo(f"{skip + 1}-{skip + len(items)} of {total} {state} tasks, newest first")


def task_summary(task: StoredTask) -> dict[str, Any]:
    """The fields listed by ``tiger tasks`` (times as ISO UTC)."""
    data = task.data
    return {
        "id": task.id,
        "func": data.func if data else None,
        "args": data.call_args if data else None,
        "kwargs": data.call_kwargs if data else None,
        "time_last_queued": iso_utc(data.time_last_queued) if data else None,
        "scheduled_at": iso_utc(data.scheduled_at) if data else None,
        "score": iso_utc(task.score),
        "executions_count": task.executions_count,
        "problem": task.problem,
    }


def _call_text(item: dict[str, Any]) -> str:
    if item["func"] is None:
        return f"<{item['problem'] or 'payload missing'}>"
    parts = [compact_json(arg) for arg in item["args"]]
    parts += [f"{key}={compact_json(value)}" for key, value in item["kwargs"].items()]
    return ", ".join(parts)


@click.command()
@click.argument("task_id")
@click.option("--queue", help="The task's queue (default: search every queue).")
@click.option(
    "--state", type=click.Choice(STATE_NAMES), help="The task's state (default: any)."
)
@json_option
@pass_admin
def show(
    admin: AdminContext,
    task_id: str,
    queue: str | None,
    state: str | None,
    as_json: bool,
) -> None:
    """Show a task's JSON and its executions, with their tracebacks."""
    tiger = admin.tiger()
    states = [TaskState(state)] if state else ALL_STATES
    task = locate_one(tiger, task_id, queue=queue, states=states)
    detail = {
        "id": task.id,
        "queue": task.queue,
        "state": str(task.state),
        "score": iso_utc(task.score),
        "executions_count": task.executions_count,
        "data": task.data.to_wire() if task.data else None,
        "problem": task.problem,
        "executions": task.executions,
    }
    if as_json:
        echo_json(detail)
        return
    click.echo(describe(detail))


def describe(detail: dict[str, Any]) -> str:
    """The human form of ``tiger show``: fields, payload, then each execution."""
    data = detail["data"] or {}
    lines = [
        f"task {detail['id']}",
        f"  queue:        {detail['queue']}",
        f"  state:        {detail['state']} since {detail['score']}",
        f"  func:         {data.get('func', '-')}",
        f"  queued at:    {iso_utc(data.get('time_last_queued')) or '-'}",
        f"  scheduled at: {iso_utc(data.get('scheduled_at')) or '-'}",
        f"  executions:   {detail['executions_count']} failed",
    ]
    if detail["problem"]:
        lines.append(f"  problem:      {detail['problem']}")
    lines += ["", "payload:", json.dumps(data, indent=2, ensure_ascii=False)]
    for number, record in enumerate(detail["executions"], start=1):
        lines += ["", _execution_title(number, record)]
        traceback = record.get("traceback")
        if traceback:
            lines += ["  " + line for line in str(traceback).rstrip().splitlines()]
    return "\n".join(lines)


def _execution_title(number: int, record: dict[str, Any]) -> str:
    failed = iso_utc(record.get("time_failed")) or "?"
    name = record.get("exception_name") or "unknown error"
    host = record.get("host") or "?"
    return f"execution {number}: {name} at {failed} on {host}"
