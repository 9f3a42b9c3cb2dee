"""What the fork executor sends to a child: the request, pickled, with its context."""

from __future__ import annotations

import json
import pickle
from typing import Any

import structlog

from tiger_adapters.executor.context import bound_host
from tiger_core.model.execution import ExecutionRequest


def runs_plainly(request: ExecutionRequest) -> bool:
    """Whether ``request`` is a direct call of its function (no host involved)."""
    host = bound_host()
    return host is None or host.runs_plainly(request)


def worker_message(request: ExecutionRequest, host: str) -> bytes:
    """For a child forked from the worker: the request model, host name, log context."""
    return _dumps((request, host, log_context()))


def served_message(
    request: ExecutionRequest, host: str, host_path: str | None
) -> bytes:
    """For a fork-server child: the request as JSON (no pydantic needed there).

    Arguments round-trip exactly: they were decoded from the task's JSON payload.
    Log context values JSON cannot hold are sent as their ``str``.
    """
    message = request.model_dump(mode="json")
    message.update(host=host, log_context=log_context(), host_path=host_path)
    return json.dumps(message, default=str).encode()


def _dumps(value: object) -> bytes:
    return pickle.dumps(value, pickle.HIGHEST_PROTOCOL)


def log_context() -> dict[str, Any]:
    """The parent's structlog context, without values that cannot be pickled."""
    context: dict[str, Any] = structlog.contextvars.get_contextvars()
    try:
        pickle.dumps(context)
    except Exception:  # an unpicklable context value: send what can be sent
        return {k: v for k, v in context.items() if _picklable(v)}
    return context


def _picklable(value: Any) -> bool:
    try:
        pickle.dumps(value)
    except Exception:
        return False
    return True
