"""Redis key names: the only module that spells them.

TaskTiger's layout (compat section 3.1) with prefix ``P`` (``t`` by default):

================================  ======  ========================================
Key                               Type    Content
================================  ======  ========================================
``P:task:<id>``                   STRING  the task JSON (compat section 3.3)
``P:task:<id>:executions``        LIST    one JSON record per failed execution
``P:task:<id>:executions_count``  STRING  the number of failed executions (INCR)
``P:<state>``                     SET     queues that (probably) have tasks in
                                          that state
``P:<state>:<queue>``             ZSET    task id -> score (enqueue time,
                                          heartbeat, due time or failure time)
``P:owner:<queue>``               HASH    task id -> owner token of the worker
                                          that claimed it (Tiger only;
                                          TaskTiger ignores it)
``P:activity``                    PUBSUB  channel announcing queues with new work
``P:lockv2:<lock_id>``            STRING  task lock: the owner's token, with a TTL
                                          (redis-py ``Lock`` layout)
``P:qslock:<queue>``              ZSET    queue slots: worker id -> expiry time,
                                          plus ``SYSTEM_LOCK`` -> pause expiry
================================  ======  ========================================

``<state>`` is one of ``queued``, ``active``, ``scheduled`` and ``error``.
"""

from __future__ import annotations

from dataclasses import dataclass

from tiger_core.model.state import TaskState


@dataclass(frozen=True)
class KeySchema:
    """Builds every Redis key name of one Tiger (or TaskTiger) installation.

    Attributes:
        prefix: the key prefix, TaskTiger's ``REDIS_PREFIX`` (``t`` by default).
    """

    prefix: str = "t"

    def task(self, task_id: str) -> str:
        """Return ``P:task:<id>``, the task's JSON payload."""
        return f"{self.prefix}:task:{task_id}"

    def executions(self, task_id: str) -> str:
        """Return ``P:task:<id>:executions``, the list of failed executions."""
        return f"{self.prefix}:task:{task_id}:executions"

    def executions_count(self, task_id: str) -> str:
        """Return ``P:task:<id>:executions_count``, the failure counter."""
        return f"{self.prefix}:task:{task_id}:executions_count"

    def state_set(self, state: TaskState) -> str:
        """Return ``P:<state>``, the set of queue names having tasks in ``state``."""
        return f"{self.prefix}:{state.value}"

    def state_zset(self, state: TaskState, queue: str) -> str:
        """Return ``P:<state>:<queue>``, the ids of ``queue`` in ``state`` by score."""
        return f"{self.prefix}:{state.value}:{queue}"

    def owners(self, queue: str) -> str:
        """Return ``P:owner:<queue>``, the owner token of each active task."""
        return f"{self.prefix}:owner:{queue}"

    def claim_reply(self, owner: str) -> str:
        """Return ``P:claim:<owner>``, the owner's last claim answer (for a re-send)."""
        return f"{self.prefix}:claim:{owner}"

    def activity(self) -> str:
        """Return ``P:activity``, the channel announcing queues with new work."""
        return f"{self.prefix}:activity"

    def lock(self, lock_id: str) -> str:
        """Return ``P:lockv2:<lock_id>``, a task lock holding its owner's token."""
        return f"{self.prefix}:lockv2:{lock_id}"

    def queue_lock(self, queue: str) -> str:
        """Return ``P:qslock:<queue>``, the worker slots (semaphore) of ``queue``."""
        return f"{self.prefix}:qslock:{queue}"
