"""``tiger enqueue``: queue a task by its function's name.

The function is imported only to read its ``@tiger.task`` options (queue, retry,
unique, ...), exactly as ``func.delay()`` would apply them. When its module cannot
be imported (or with ``--no-import``), the task is queued by name with the
options given on the command line and the config defaults; a worker imports the
function when it runs the task. A module that imports but lacks the function is
an error (a typo, most likely).
"""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click
from pydantic import ValidationError

from tiger_adapters.compat.options import function_options, make_options
from tiger_adapters.compat.worker_cli import ensure_cwd_importable
from tiger_cli.admin.context import AdminContext, pass_admin
from tiger_cli.admin.format import echo_json, iso_utc, parse_utc
from tiger_cli.admin.inspect_cmds import json_option
from tiger_cli.connection import one_line
from tiger_core.errors import QueueFullException
from tiger_core.functions import serialize_func_name
from tiger_core.model.state import TaskState
from tiger_core.model.task import TaskData
from tiger_core.policies.retry import retry_from_wire
from tiger_core.services.enqueue import build_task, enqueue_task
from tiger_core.services.options import TaskOptions

if TYPE_CHECKING:
    from tiger_adapters.compat import TaskTiger

#: ``package.module:function`` or ``module:Class.method``.
FUNC_NAME = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$")


def json_value(text: str | None, kind: type, option: str) -> Any:
    """Parse ``text`` as JSON of ``kind`` (list or dict); None stays None.

    Raises:
        click.BadParameter: the text is not JSON, or not of that kind.
    """
    if text is None:
        return None
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise click.BadParameter(f"not valid JSON: {exc}", param_hint=option) from exc
    if not isinstance(value, kind):
        expected = "a JSON array" if kind is list else "a JSON object"
        raise click.BadParameter(
            f"expected {expected}, got {text!r}", param_hint=option
        )
    return value


def parse_when(text: str | None, now: float) -> float | None:
    """``--when``: seconds from now (``90``, ``1.5``) or an ISO datetime (UTC).

    Raises:
        click.BadParameter: neither a non-negative number nor an ISO datetime.
    """
    if text is None:
        return None
    try:
        seconds = float(text)
    except ValueError:
        try:
            return parse_utc(text).timestamp()
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--when") from exc
    if seconds < 0:
        raise click.BadParameter("seconds must be >= 0", param_hint="--when")
    return now + seconds


def load_function(name: str) -> tuple[Callable[..., Any] | None, str | None]:
    """Import ``module:qualname``; return (function, None) or (None, why not).

    The current directory is searched too, as ``python -m`` would.

    Raises:
        click.ClickException: the module imports but has no such attribute.
    """
    module_name, _, qualname = name.partition(":")
    ensure_cwd_importable()
    try:
        obj: Any = importlib.import_module(module_name)
    except Exception as exc:  # user code may raise anything while importing
        return None, f"cannot import {module_name!r} ({one_line(exc)})"
    for part in qualname.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise click.ClickException(
                f"module {module_name!r} has no function {qualname!r}"
            ) from None
    if not callable(obj):
        raise click.ClickException(f"{name!r} is not a function")
    return obj, None


def _explicit_options(values: dict[str, Any]) -> TaskOptions:
    """The options given on the command line (None: not given)."""
    method = json_value(values.pop("retry_method"), list, "--retry-method")
    try:
        return make_options(
            retry_method=retry_from_wire(method) if method is not None else None,
            unique=values.pop("unique") or None,
            lock=values.pop("lock") or None,
            unique_key=values.pop("unique_key") or None,
            lock_key=values.pop("lock_key") or None,
            retry_on=values.pop("retry_on") or None,
            **values,
        )
    except (ValueError, TypeError, IndexError, ValidationError) as exc:
        raise click.ClickException(f"invalid task options: {one_line(exc)}") from exc


@click.command()
@click.argument("func")
@click.option(
    "--args", "args_json", metavar="JSON", help="Positional args: a JSON array."
)
@click.option(
    "--kwargs", "kwargs_json", metavar="JSON", help="Keyword args: a JSON object."
)
@click.option(
    "--queue", help="The queue (default: the function's, else DEFAULT_QUEUE)."
)
@click.option(
    "--when", metavar="WHEN", help="Seconds from now, or an ISO datetime (UTC)."
)
@click.option("--unique", is_flag=True, help="A unique task (id from func and args).")
@click.option(
    "--unique-key", multiple=True, help="Kwarg forming the unique id (repeat)."
)
@click.option("--lock", is_flag=True, help="Hold a lock while the task runs.")
@click.option("--lock-key", multiple=True, help="Kwarg forming the lock id (repeat).")
@click.option("--retry/--no-retry", default=None, help="Retry on any failure.")
@click.option("--retry-on", multiple=True, help="Exception path to retry on (repeat).")
@click.option(
    "--retry-method",
    metavar="JSON",
    help="TaskTiger's form, e.g. '[\"tasktiger.retry:fixed\", [60, 3]]'.",
)
@click.option("--hard-timeout", type=click.FloatRange(min=0, min_open=True))
@click.option("--max-queue-size", type=click.IntRange(min=1))
@click.option("--no-import", is_flag=True, help="Never import FUNC's module.")
@json_option
@pass_admin
def enqueue(  # noqa: PLR0913 - click passes every option
    admin: AdminContext,
    *,
    func: str,
    args_json: str | None,
    kwargs_json: str | None,
    when: str | None,
    no_import: bool,
    as_json: bool,
    **values: Any,
) -> None:
    """Queue FUNC (module:function) with JSON arguments.

    FUNC's module is imported, when it can be, to apply its @task options;
    options given here win. Otherwise the task is queued by name (a note says so).
    """
    if not FUNC_NAME.match(func):
        raise click.BadParameter(
            f"expected module:function, got {func!r}", param_hint="FUNC"
        )
    args = json_value(args_json, list, "--args")
    kwargs = json_value(kwargs_json, dict, "--kwargs")
    parse_when(when, 0.0)  # validated before anything connects
    explicit = _explicit_options(values)
    function, problem = (None, None) if no_import else load_function(func)
    if problem:
        click.echo(
            f"note: {problem}; queued by name, without its @task options", err=True
        )
    tiger = admin.tiger()
    data, state, queue = _store(tiger, function, explicit, (func, args, kwargs), when)
    due = iso_utc(data.scheduled_at)
    if as_json:
        echo_json(
            {
                "id": data.id,
                "func": data.func,
                "queue": queue,
                "state": str(state),
                "due": due,
            }
        )
    else:
        click.echo(f"{state} task {data.id} in queue {queue!r} (due {due})")


def _store(
    tiger: TaskTiger,
    function: Callable[..., Any] | None,
    explicit: TaskOptions,
    call: tuple[str, list[Any] | None, dict[str, Any] | None],
    when: str | None,
) -> tuple[TaskData, TaskState, str]:
    """Build the task as ``delay()`` would and store it; return it, its state, queue.

    Raises:
        click.ClickException: the queue is full (``max_queue_size``).
    """
    name, args, kwargs = call
    resolved = (
        explicit.merged_over(function_options(function)) if function else explicit
    )
    # As with delay(): a decorator's hard_timeout is read by the worker, not stored.
    stored = resolved.model_copy(update={"hard_timeout": explicit.hard_timeout})
    func = serialize_func_name(function) if function else name
    data = build_task(func, args, kwargs, stored, tiger.config)
    now = tiger.clock.now()
    queue = resolved.queue or tiger.config.DEFAULT_QUEUE
    try:
        data, state = enqueue_task(
            tiger.store,
            data,
            queue=queue,
            when=parse_when(when, now),
            now=now,
            max_queue_size=resolved.max_queue_size,
        )
    except QueueFullException as exc:
        raise click.ClickException(one_line(exc)) from exc
    return data, state, queue
