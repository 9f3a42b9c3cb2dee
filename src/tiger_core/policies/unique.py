"""Uniqueness and lock policies: which call arguments identify a task."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict

from tiger_core.identity import keyed_unique_id, unique_task_id


class UniquePolicy(BaseModel):
    """At most one queued copy of a task with the same function and key.

    Attributes:
        keys: the keyword-argument names forming the key; None means the whole
            call (all positional and keyword arguments).
    """

    model_config = ConfigDict(frozen=True)

    keys: tuple[str, ...] | str | None = None

    def task_id(self, func: str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> str:
        """Return the deterministic task id for this call."""
        if self.keys is None:
            return unique_task_id(func, args, kwargs)
        return keyed_unique_id(func, self.keys, kwargs)


class LockPolicy(BaseModel):
    """At most one running task per lock name; others wait and are retried.

    Attributes:
        keys: the keyword-argument names forming the lock name; None means the
            whole call.
    """

    model_config = ConfigDict(frozen=True)

    keys: tuple[str, ...] | str | None = None

    def lock_id(self, func: str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> str:
        """Return the lock name for this call."""
        if self.keys is None:
            return unique_task_id(func, args, kwargs)
        return keyed_unique_id(func, self.keys, kwargs)
