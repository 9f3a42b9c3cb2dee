"""Turning functions into ``module:qualname`` strings and back."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from tiger_core.errors import WIRE_NAMES, TaskImportError

#: Names that TaskTiger writes into Redis for its own objects, mapped to the Tiger
#: module that provides the same object. This lets a Tiger worker run tasks queued
#: by TaskTiger without TaskTiger being installed.
ALIASES: dict[str, str] = {
    "tasktiger.exceptions": "tiger_core.errors",
    "tasktiger.retry": "tiger_core.policies.retry",
    "tasktiger.timeouts": "tiger_core.errors",
}


def serialize_func_name(func: Callable[..., Any] | type) -> str:
    """Return ``module:qualname`` for an importable function, method or class.

    Raises:
        ValueError: the object lives in ``__main__`` or is a local (nested) object,
            which another process could not import.
    """
    module = getattr(func, "__module__", None)
    qualname = getattr(func, "__qualname__", None)
    if not module or not qualname:
        raise ValueError(f"{func!r} has no module or qualified name")
    if module == "__main__":
        raise ValueError(
            f"{qualname} is defined in __main__; move it to an importable module"
        )
    if "<locals>" in qualname:
        raise ValueError(f"{module}:{qualname} is a local object and not importable")
    return f"{module}:{qualname}"


def import_attribute(name: str) -> Any:
    """Import ``module:qualname`` (or ``module.attr``) and return the object.

    Raises:
        TaskImportError: the module or the attribute cannot be found, naming both.
    """
    if ":" in name:
        module_name, _, attr_path = name.rpartition(":")
    else:
        module_name, _, attr_path = name.rpartition(".")
    if not module_name or not attr_path:
        raise TaskImportError(f"{name!r} is not a 'module:qualname' path")
    module_name = ALIASES.get(module_name, module_name)
    try:
        obj: Any = importlib.import_module(module_name)
    except Exception as exc:  # any failure while importing user code
        raise TaskImportError(
            f"cannot import module {module_name!r} for {name!r}: "
            f"{type(exc).__name__}: {exc}"
        ) from exc
    for part in attr_path.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError as exc:
            raise TaskImportError(
                f"module {module_name!r} has no attribute {attr_path!r} ({name!r})"
            ) from exc
    return obj


def exception_name(exc_type: type[BaseException]) -> str:
    """Return the name under which an exception class is recorded."""
    return WIRE_NAMES.get(exc_type) or f"{exc_type.__module__}:{exc_type.__qualname__}"
