"""Task identifiers, bit-compatible with TaskTiger (compat section 3.2)."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from typing import Any


def new_task_id() -> str:
    """Return a random task id: 64 lowercase hex characters."""
    return os.urandom(32).hex()


def unique_task_id(
    func: str, args: Sequence[Any] | None, kwargs: Mapping[str, Any] | None
) -> str:
    """Return the deterministic id of a unique task (or the name of a task lock).

    It is the SHA-256 of Python's ``json.dumps`` of ``{"func", "args", "kwargs"}``
    with sorted keys and default separators, exactly as TaskTiger computes it, so
    both systems agree on which tasks are duplicates.

    Args:
        func: the serialized function name, ``module:qualname``.
        args: the positional arguments, or None when a key selects kwargs only.
        kwargs: the keyword arguments.

    Returns:
        64 lowercase hex characters.
    """
    payload = {
        "func": func,
        "args": None if args is None else list(args),
        "kwargs": None if kwargs is None else dict(kwargs),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def keyed_unique_id(
    func: str, keys: Sequence[str] | str, kwargs: Mapping[str, Any]
) -> str:
    """Return the unique id over the named keyword arguments only.

    Args:
        func: the serialized function name.
        keys: the keyword-argument names that form the key. A plain string is taken
            character by character, as TaskTiger does.
        kwargs: the call's keyword arguments; missing names count as None.

    Returns:
        The id computed with ``args`` set to null.
    """
    return unique_task_id(func, None, {key: kwargs.get(key) for key in keys})
