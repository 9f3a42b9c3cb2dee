"""Executors: run the tasks of an execution request and report the outcome.

The two executors are imported on first use (PEP 562): the fork server
(:mod:`tiger_adapters.executor.zygote`) lives in this package and must start
without the worker's heavy imports (pydantic, redis, structlog).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tiger_adapters.executor.fork import ForkExecutor
    from tiger_adapters.executor.inline import InlineExecutor

__all__ = ["ForkExecutor", "InlineExecutor"]

_EXPORTS = {
    "ForkExecutor": "tiger_adapters.executor.fork",
    "InlineExecutor": "tiger_adapters.executor.inline",
}


def __getattr__(name: str) -> Any:
    """Import an executor class from its module on first access."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
