"""The request a fork-server child runs, kept as plain data until someone asks.

A fork-server child (:mod:`~tiger_adapters.executor.zygote`) must not import
pydantic just to publish what it runs: it leaves the request here, and
:func:`tiger_adapters.executor.context.current` builds the running-tasks view
from it on first use (by then the code asking has imported what that takes).
"""

from __future__ import annotations

from typing import Any

#: ``(request as a dict, is_batch)`` of the request this process runs, if any.
_pending: list[tuple[dict[str, Any], bool]] = []
#: The view built from it by the context module (cached, built once).
_built: list[Any] = []


def leave(request: dict[str, Any], *, is_batch: bool) -> None:
    """Record the request this process runs (a fork-server child, once)."""
    _pending[:] = [(request, is_batch)]
    _built.clear()


def forget() -> None:
    """Clear the recorded request (after a rehearsal)."""
    _pending.clear()
    _built.clear()


def peek() -> tuple[dict[str, Any], bool] | None:
    """The recorded request, or None."""
    return _pending[0] if _pending else None


def cached() -> Any:
    """The view built from the request, or None before it is built."""
    return _built[0] if _built else None


def cache(view: Any) -> None:
    """Keep the view built from the request."""
    _built[:] = [view]
