"""WorkerSettings: everything tiger-worker needs, validated before anything starts."""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

#: URL schemes served by the Redis store.
REDIS_SCHEMES = ("redis", "rediss", "unix")


class WorkerSettings(BaseModel):
    """Validated settings of a worker process (from options and the environment).

    Attributes:
        url: ``redis://``, ``rediss://`` or ``unix://`` for Redis; ``memory://`` for
            the in-process store (single process only: tasks must be queued by
            the same process).
        queues: process only these queues (and subqueues).
        exclude_queues: skip these queues (and subqueues).
        modules: modules imported before the first task (shared by the forks).
        executor: "fork" or "sync".
        exit_after_minutes: stop after this many minutes.
        store_tracebacks: override STORE_TRACEBACKS.
        config: TaskTiger config keys.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    url: str = "redis://localhost:6379/0"
    queues: tuple[str, ...] | None = None
    exclude_queues: tuple[str, ...] | None = None
    modules: tuple[str, ...] = ()
    executor: Literal["fork", "sync"] = "fork"
    exit_after_minutes: float | None = Field(default=None, gt=0)
    store_tracebacks: bool | None = None
    config: dict[str, Any] = {}

    @field_validator("url")
    @classmethod
    def _known_scheme(cls, value: str) -> str:
        scheme = urlsplit(value).scheme
        if scheme not in (*REDIS_SCHEMES, "memory"):
            raise ValueError(
                f"unsupported URL {value!r}: use redis://host:port/db, rediss://, "
                "unix:///path or memory://"
            )
        return value

    @property
    def backend(self) -> Literal["memory", "redis"]:
        """Which store the URL selects."""
        return "memory" if urlsplit(self.url).scheme == "memory" else "redis"


def split_list(value: str | None) -> tuple[str, ...] | None:
    """Split a comma-separated option into names (None stays None)."""
    if value is None:
        return None
    return tuple(part.strip() for part in value.split(",") if part.strip())
