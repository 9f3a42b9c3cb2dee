"""Tiger's configuration: TaskTiger's config keys, validated.

Keys are spelled as in TaskTiger (compat section 2) so that an existing ``config``
dict carries over. Unknown keys are rejected with a suggestion, and a bad value is
reported with its key and value.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from tiger_core.errors import ConfigError
from tiger_core.model.queue_name import validate_queue_name, validate_queue_names
from tiger_core.policies.retry import FixedRetry, RetryPolicy, retry_from_option


class TigerConfig(BaseModel):
    """Validated settings shared by producers and workers."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    #: Prefix of every Redis key, joined with ``:``.
    REDIS_PREFIX: str = Field(default="t", min_length=1)
    #: structlog logger name.
    LOGGER_NAME: str = "tasktiger"
    #: Queue used when neither the call nor the decorator names one.
    DEFAULT_QUEUE: str = Field(default="default", min_length=1)
    #: Hard timeout (seconds) when neither the task nor its function sets one.
    DEFAULT_HARD_TIMEOUT: float = Field(default=300, gt=0)
    #: Retry policy for tasks that are retriable without a method of their own.
    DEFAULT_RETRY_METHOD: RetryPolicy = FixedRetry(delay=60, max_retries=3)
    #: Seconds before a unique task popped while its twin runs is tried again.
    LOCK_RETRY: float = Field(default=1, ge=0)
    #: Most tasks moved from scheduled to queued per queue per promotion.
    SCHEDULED_TASK_BATCH_SIZE: int = Field(default=1000, ge=1)
    #: Heartbeat interval of a busy worker, in seconds.
    ACTIVE_TASK_UPDATE_TIMER: float = Field(default=10, gt=0)
    #: A worker's lease on an active task lasts this long without a heartbeat.
    ACTIVE_TASK_UPDATE_TIMEOUT: float = Field(default=60, gt=0)
    #: Extra seconds a fork child gets past its hard timeout before the parent
    #: SIGKILLs it (Tiger's own key; TaskTiger waits ACTIVE_TASK_UPDATE_TIMEOUT).
    HARD_TIMEOUT_GRACE: float = Field(default=5, ge=0)
    #: Keep the traceback in execution records.
    STORE_TRACEBACKS: bool = True
    #: Process only these queues (and their subqueues) when none are given.
    ONLY_QUEUES: tuple[str, ...] = ()
    #: Skip these queues (and their subqueues) when none are given.
    EXCLUDE_QUEUES: tuple[str, ...] = ()
    #: Polling mode when > 0: an idle worker sleeps this long, then re-reads the
    #: queue set. 0 (the default): wait for announcements on ``P:activity``.
    POLL_TASK_QUEUES_INTERVAL: float = Field(default=0, ge=0)
    #: Pub/sub mode: seconds between two re-reads of the queued-queue set, so a
    #: missed announcement delays a queue by at most this long (Tiger's own key).
    QUEUE_RESYNC_INTERVAL: float = Field(default=10, gt=0)
    #: Announce newly queued tasks on the activity channel.
    PUBLISH_QUEUED_TASKS: bool = True
    #: Longest wait for new work per loop iteration (pub/sub mode), in seconds.
    SELECT_TIMEOUT: float = Field(default=1, ge=0)
    #: After the first activity message, wait this long for more (capped).
    SELECT_BATCH_TIMEOUT: float = Field(default=0, ge=0)
    #: ``delay`` of a task due now runs it at once, in-process.
    ALWAYS_EAGER: bool = False
    #: Minimum seconds between two scans for expired (abandoned) active tasks.
    REQUEUE_EXPIRED_TASKS_INTERVAL: float = Field(default=30, ge=0)
    #: Most expired tasks handled per scan.
    REQUEUE_EXPIRED_TASKS_BATCH_SIZE: int = Field(default=10, ge=1)
    #: Minimum seconds between two promotions of scheduled tasks by one worker group.
    QUEUE_SCHEDULED_TASKS_TIME: float = Field(default=1, ge=0)
    #: Queue name -> batch size; applies to subqueues, most specific name wins.
    BATCH_QUEUES: dict[str, int] = {}
    #: Most tasks a worker claims from a deep, non-batch queue in one round trip
    #: (Tiger's own key). It starts at 1 and doubles up to this while the tasks
    #: run fast; the held tasks stay in ``active`` under the worker and are
    #: heartbeated. 1 (the default) turns prefetching off: opting in means that
    #: on a worker crash, held tasks that never started are recovered like
    #: running ones (error, unless ``retry_on`` covers JobTimeoutException).
    PREFETCH_TASKS: int = Field(default=1, ge=1)
    #: Fork each plain task's child from a small fork server holding only the
    #: task modules, instead of from the worker (Tiger's own key, opt-in).
    #: Several times cheaper per task; children see the task modules as
    #: imported, not state the worker set up after importing them.
    FORK_SERVER: bool = False
    #: Seconds between "stats" log lines; 0 turns them off.
    STATS_INTERVAL: float = Field(default=60, ge=0)
    #: Queues (and subqueues) that at most one worker processes at a time.
    SINGLE_WORKER_QUEUES: tuple[str, ...] = ()
    #: Context-manager instances entered around every task execution.
    CHILD_CONTEXT_MANAGERS: tuple[Any, ...] = ()
    #: Allowlist of module prefixes that names read from storage (task function,
    #: retry function, exception and runner classes) may be imported from; None
    #: (TaskTiger's behaviour) imports anything. Recommended in production: a
    #: name like ``os:system`` written into Redis is then refused, never imported.
    TASK_MODULES: tuple[str, ...] | None = None
    #: Largest task payload (JSON bytes) ``delay`` writes; None: no limit (Tiger's
    #: own key). Checked before anything is written.
    MAX_PAYLOAD_BYTES: int | None = Field(default=10 * 1024 * 1024, ge=1)

    @field_validator("DEFAULT_RETRY_METHOD", mode="before")
    @classmethod
    def _normalise_retry(cls, value: Any) -> Any:
        if callable(value) or isinstance(value, tuple):
            return retry_from_option(value)
        return value

    @field_validator(
        "ONLY_QUEUES",
        "EXCLUDE_QUEUES",
        "SINGLE_WORKER_QUEUES",
        mode="before",
    )
    @classmethod
    def _queue_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            raise ValueError("must be a list of queue names, not a string")
        return validate_queue_names(value)

    @field_validator("DEFAULT_QUEUE")
    @classmethod
    def _queue_name(cls, value: str) -> str:
        return validate_queue_name(value)

    @field_validator("TASK_MODULES", mode="before")
    @classmethod
    def _module_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            raise ValueError("must be a list of module names, not a string")
        return value

    def __getitem__(self, key: str) -> Any:
        """Read a key as from TaskTiger's config dict (``tiger.config["KEY"]``).

        Raises:
            KeyError: the key is unknown.
        """
        if key not in type(self).model_fields:
            raise KeyError(key)
        return getattr(self, key)

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any] | None) -> TigerConfig:
        """Build a config from a TaskTiger-style dict.

        Raises:
            ConfigError: a key is unknown (with the closest known key) or a value is
                invalid (naming the key and the value).
        """
        values = dict(values or {})
        known = list(cls.model_fields)
        for key in values:
            if key not in cls.model_fields:
                close = difflib.get_close_matches(key, known, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                raise ConfigError(f"unknown config key {key!r}{hint}")
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            error = exc.errors()[0]
            key = str(error["loc"][0]) if error["loc"] else "?"
            raise ConfigError(
                f"invalid config value {key}={values.get(key)!r}: {error['msg']}"
            ) from exc
