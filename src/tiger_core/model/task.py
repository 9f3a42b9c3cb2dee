"""The stored form of a task: TaskTiger's task JSON (compat section 3.3)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from tiger_core.model.state import TaskState

#: Fields that are left out of the JSON when they have no value.
_OPTIONAL_FIELDS = frozenset(
    {
        "unique",
        "unique_key",
        "lock",
        "lock_key",
        "args",
        "kwargs",
        "hard_timeout",
        "retry_method",
        "retry_on",
        "max_queue_size",
        "max_stored_executions",
        "runner_class",
        "time_last_queued",
        "scheduled_at",
    }
)
#: The fields an enqueue stamps (see TaskData.stamped).
_STAMPS = frozenset({"time_last_queued", "scheduled_at"})


class TaskData(BaseModel):
    """The task payload stored under ``<prefix>:task:<id>``.

    Field order is the order TaskTiger writes, so Tiger's JSON reads the same.
    Unknown fields written by another producer are kept and written back as they are.
    The queue and the state are not part of the payload: they are implied by the
    Redis key the id sits in.
    """

    model_config = ConfigDict(extra="allow", frozen=True)

    id: str
    func: str
    unique: bool | None = None
    unique_key: list[str] | str | None = None
    lock: bool | None = None
    lock_key: list[str] | str | None = None
    args: list[Any] | None = None
    kwargs: dict[str, Any] | None = None
    hard_timeout: int | float | None = None
    retry_method: tuple[str, list[Any]] | None = None
    retry_on: list[str] | None = None
    max_queue_size: int | None = None
    max_stored_executions: int | None = None
    runner_class: str | None = None
    time_last_queued: float | None = None
    scheduled_at: float | None = None

    def to_wire(self) -> dict[str, Any]:
        """Return the JSON-ready dict, omitting optional fields that have no value."""
        data = self.model_dump()
        return {
            key: value
            for key, value in data.items()
            if not (value is None and key in _OPTIONAL_FIELDS)
        }

    def plain_wire(self) -> dict[str, Any]:
        """Return :meth:`to_wire`'s dict built from the stored values as they are.

        No pydantic serializer runs, so this is several times faster; a value is
        not converted (a dataclass in ``args`` stays a dataclass). For values that
        ``json.dumps`` accepts it gives the same JSON as :meth:`to_wire` (the
        codec tries it first and falls back to :meth:`to_wire`). Lists and dicts
        are the task's own, not copies: the caller must not change them.
        """
        wire = {
            key: value
            for key, value in self.__dict__.items()
            if value is not None or key not in _OPTIONAL_FIELDS
        }
        extra = self.__pydantic_extra__
        if extra:
            wire.update(extra)
        return wire

    def stamped(self, time_last_queued: float, scheduled_at: float) -> TaskData:
        """Return a copy with the queue times set (what an enqueue stores).

        The same as ``model_copy(update=...)`` (a shallow copy, no validation),
        done directly on the model's state: this runs once per enqueued task.
        """
        if self.__pydantic_private__ is not None:  # never for TaskData: be generic
            return self.model_copy(
                update={
                    "time_last_queued": time_last_queued,
                    "scheduled_at": scheduled_at,
                }
            )
        copy = TaskData.__new__(type(self))
        values = dict(self.__dict__)
        values["time_last_queued"] = time_last_queued
        values["scheduled_at"] = scheduled_at
        extra = self.__pydantic_extra__
        object.__setattr__(copy, "__dict__", values)
        object.__setattr__(
            copy, "__pydantic_extra__", None if extra is None else dict(extra)
        )
        object.__setattr__(
            copy, "__pydantic_fields_set__", self.__pydantic_fields_set__ | _STAMPS
        )
        object.__setattr__(copy, "__pydantic_private__", None)
        return copy

    @property
    def call_args(self) -> list[Any]:
        """The positional arguments (empty when none were stored)."""
        return list(self.args or [])

    @property
    def call_kwargs(self) -> dict[str, Any]:
        """The keyword arguments (empty when none were stored)."""
        return dict(self.kwargs or {})

    @property
    def is_unique(self) -> bool:
        """Whether the id is derived from the call (unique tasks)."""
        return bool(self.unique)


class StoredTask(BaseModel):
    """A task as read back from storage: where it is and what it holds.

    ``data`` is None when the payload is missing or cannot be decoded; ``problem``
    then says why, naming the task.
    """

    model_config = ConfigDict(frozen=True)

    id: str
    queue: str
    state: TaskState
    score: float | None = None
    data: TaskData | None = None
    problem: str | None = None
    executions: list[dict[str, Any]] = []
    executions_count: int = 0
    #: The worker holding an active task (filled by reads that need it).
    owner: str | None = None
