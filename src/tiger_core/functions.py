"""Turning functions into ``module:qualname`` strings and back."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterable
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


#: Tiger's own modules (and TaskTiger's names for them): always importable, since
#: stored retry policies and exception names point there.
_BUILT_IN_MODULES = ("tiger_core", "tiger_adapters", "tasktiger")

#: The process-wide allowlist (TASK_MODULES): None imports anything (TaskTiger).
_allowed_modules: tuple[str, ...] | None = None


def restrict_imports(modules: Iterable[str] | None) -> tuple[str, ...] | None:
    """Set the modules that names read from storage may be imported from.

    Every ``module:qualname`` read from storage (task function, retry function,
    ``retry_on`` and recorded exception classes, runner class) goes through
    :func:`import_attribute`, which refuses, before importing anything, a module
    that is not one of ``modules`` or below one of them (``"app"`` allows
    ``app.tasks``). Tiger's own modules are always allowed. The setting is
    process-wide (a forked child inherits it).

    Args:
        modules: the allowed module prefixes, or None to import anything
            (TaskTiger's behaviour).

    Returns:
        The previous setting, so that a caller can restore it.
    """
    global _allowed_modules  # noqa: PLW0603 - one process-wide import policy
    previous = _allowed_modules
    _allowed_modules = None if modules is None else tuple(modules)
    return previous


def allowed_modules() -> tuple[str, ...] | None:
    """The allowlist set by :func:`restrict_imports` (None: anything)."""
    return _allowed_modules


def _is_allowed(module_name: str) -> bool:
    if _allowed_modules is None:
        return True
    return any(
        module_name == prefix or module_name.startswith(prefix + ".")
        for prefix in (*_BUILT_IN_MODULES, *_allowed_modules)
    )


def _refusal(name: str, module_name: str) -> TaskImportError:
    allowed = ", ".join(_allowed_modules or ()) or "none"
    return TaskImportError(
        f"task not registered/importable: {name!r}: module {module_name!r} is not "
        f"in TASK_MODULES (allowed: {allowed}); nothing was imported"
    )


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


def _split(name: str) -> tuple[str, str]:
    if ":" in name:
        module_name, _, attr_path = name.rpartition(":")
    else:
        module_name, _, attr_path = name.rpartition(".")
    if not module_name or not attr_path:
        raise TaskImportError(f"{name!r} is not a 'module:qualname' path")
    return ALIASES.get(module_name, module_name), attr_path


def import_attribute(name: str) -> Any:
    """Import ``module:qualname`` (or ``module.attr``) and return the object.

    Raises:
        TaskImportError: the module or the attribute cannot be found, naming both;
            or the module is outside the allowlist set by :func:`restrict_imports`
            (checked before any import).
    """
    module_name, attr_path = _split(name)
    if not _is_allowed(module_name):
        raise _refusal(name, module_name)
    return _import(name, module_name, attr_path)


def import_exception_class(name: str) -> type[BaseException]:
    """Return the exception class named ``name`` (a ``retry_on`` or recorded name).

    Outside the allowlist, a class is still found in a module that is already
    imported (``builtins:ValueError``), without importing anything, and only if it
    is an exception class.

    Raises:
        TaskImportError: not importable, not allowed, or not an exception class.
    """
    module_name, attr_path = _split(name)
    if not _is_allowed(module_name) and module_name not in sys.modules:
        raise _refusal(name, module_name)
    found = _import(name, module_name, attr_path)
    if not (isinstance(found, type) and issubclass(found, BaseException)):
        raise TaskImportError(f"{name!r} is not an exception class")
    return found


def _import(name: str, module_name: str, attr_path: str) -> Any:
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
