"""Runs inside TaskTiger's virtualenv: ``python -m tests.interop.driver URL CMD JSON``.

Commands (JSON argument, JSON printed on stdout):
- ``delay``: {"func", "args", "kwargs", "queue", "unique", "lock", "retry_on",
  "retry_method": ["fixed"|"linear"|"exponential", *args], "when_seconds"} -> {"id"}
- ``work``: {"queues": [...] or null, "config": {...}}: a TaskTiger worker, until idle.
- ``serve``: {"queues", "config", "seconds"}: a TaskTiger worker that runs until
  ``seconds`` passed (it finishes the task in hand first), whether idle or not.
- ``errors``: {"queue"} -> [{"id", "exception_name"}].
- ``retry`` / ``delete``: {"queue", "id"}.
- ``get``: {"queue", "state", "id"} -> the task's data and executions.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import sys
from typing import Any

import redis
import tasktiger
from tasktiger import Task, TaskTiger, Worker

CONFIG = {"ACTIVE_TASK_UPDATE_TIMER": 0.5, "SELECT_TIMEOUT": 0, "LOCK_RETRY": 0.5}


def make_tiger(url: str, config: dict[str, Any] | None = None) -> TaskTiger:
    """A TaskTiger on ``url`` with quick test timings."""
    connection = redis.Redis.from_url(url, decode_responses=True)
    return TaskTiger(
        connection=connection, config={**CONFIG, **(config or {})}, setup_structlog=True
    )


def resolve(path: str) -> Any:
    """Import ``module:attr``."""
    module, _, attr = path.partition(":")
    return getattr(importlib.import_module(module), attr)


def delay(tiger: TaskTiger, spec: dict[str, Any]) -> dict[str, Any]:
    """Queue a task with TaskTiger's own API."""
    options: dict[str, Any] = {}
    for key in ("queue", "unique", "lock", "hard_timeout", "max_stored_executions"):
        if spec.get(key) is not None:
            options[key] = spec[key]
    if spec.get("retry_on"):
        options["retry_on"] = [resolve(name) for name in spec["retry_on"]]
    if spec.get("retry_method"):
        kind, *args = spec["retry_method"]
        options["retry_method"] = getattr(tasktiger, kind)(*args)
    if spec.get("when_seconds") is not None:
        options["when"] = dt.timedelta(seconds=spec["when_seconds"])
    task = tiger.delay(
        resolve(spec["func"]),
        args=spec.get("args"),
        kwargs=spec.get("kwargs"),
        **options,
    )
    return {"id": task.id}


def main() -> None:
    """Dispatch one command."""
    url, command, raw = sys.argv[1], sys.argv[2], sys.argv[3]
    spec = json.loads(raw)
    tiger = make_tiger(url, spec.get("config"))
    result: Any = None
    if command == "delay":
        result = delay(tiger, spec)
    elif command == "work":
        Worker(tiger, queues=spec.get("queues")).run(once=True)
        result = {"ok": True}
    elif command == "serve":
        exit_after = dt.timedelta(seconds=spec["seconds"])
        Worker(tiger, queues=spec.get("queues")).run(exit_after=exit_after)
        result = {"ok": True}
    elif command == "errors":
        _, tasks = Task.tasks_from_queue(
            tiger, spec["queue"], "error", load_executions=1
        )
        result = [
            {"id": t.id, "exception_name": t.executions[-1].get("exception_name")}
            for t in tasks
        ]
    elif command in ("retry", "delete"):
        task = Task.from_id(tiger, spec["queue"], "error", spec["id"])
        getattr(task, command)()
        result = {"ok": True}
    elif command == "get":
        task = Task.from_id(
            tiger, spec["queue"], spec["state"], spec["id"], load_executions=10
        )
        result = {"data": task.data, "executions": task.executions}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
