"""TaskOptions: the per-task settings given to ``@task`` or ``delay``."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from tiger_core.model.queue_name import validate_queue_name
from tiger_core.policies.retry import RetryPolicy


class TaskOptions(BaseModel):
    """Options of a task; None means "not set here, fall back to the next level".

    The levels are, from strongest to weakest: the ``delay`` call, the ``@task``
    decorator, then the config defaults.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    queue: str | None = None
    hard_timeout: int | float | None = Field(default=None, gt=0)
    unique: bool | None = None
    unique_key: tuple[str, ...] | str | None = None
    lock: bool | None = None
    lock_key: tuple[str, ...] | str | None = None
    retry: bool | None = None
    retry_on: tuple[str, ...] | None = None
    retry_method: RetryPolicy | None = None
    max_queue_size: int | None = Field(default=None, ge=1)
    max_stored_executions: int | None = Field(default=None, ge=0)
    runner_class: str | None = None

    @field_validator("queue")
    @classmethod
    def _queue_name(cls, value: str | None) -> str | None:
        return None if value is None else validate_queue_name(value)

    def merged_over(self, weaker: TaskOptions) -> TaskOptions:
        """Return these options with unset fields taken from ``weaker``."""
        values: dict[str, Any] = weaker.model_dump(exclude_none=True)
        values.update(self.model_dump(exclude_none=True))
        return TaskOptions.model_validate(values)

    @property
    def is_unique(self) -> bool:
        """Whether the task id is derived from the call."""
        return bool(self.unique or self.unique_key)

    @property
    def is_retriable(self) -> bool:
        """Whether a failure schedules another attempt (given attempts remain)."""
        return bool(self.retry or self.retry_on or self.retry_method)
