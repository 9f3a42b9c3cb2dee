"""Key-level cases of the lease records (``lua/lib/lease.lua``) in TaskTiger's layout.

Mixed into :class:`tests.unit.adapters.redis_script_cases.RedisScriptCases`, which
supplies the ``client`` fixture (fakeredis and redis-server). A TaskTiger worker
is played with the plain commands its scripts run: its requeue and its claim
move the id between ``t:queued:q`` and ``t:active:q`` and never touch
``t:owner:q``.
"""

from __future__ import annotations

import pytest
import redis

from tiger_adapters import codec
from tiger_adapters.redis.scripts import CLAIM_REPLY_TTL_MS
from tiger_adapters.redis.store import RedisTaskStore
from tiger_core.errors import LeaseLost
from tiger_core.model.state import TaskState
from tiger_core.model.task import TaskData

T0 = 1_800_000_000.0
QUEUED, ACTIVE = TaskState.QUEUED, TaskState.ACTIVE


def queue_tasks(store: RedisTaskStore, *ids: str) -> None:
    """Queue ``ids`` in ``q``, oldest first."""
    for offset, task_id in enumerate(ids):
        data = TaskData(id=task_id, func="tests.sample_tasks:add", args=[offset])
        store.enqueue(data, queue="q", state=QUEUED, score=T0 + offset)


def tasktiger_requeue_and_claim(client: redis.Redis, task_id: str, at: float) -> None:
    """What TaskTiger's expiry requeue, then its worker's claim, do to the keys."""
    client.zrem("t:active:q", task_id)
    client.zadd("t:queued:q", {task_id: at})
    client.sadd("t:queued", "q")
    client.zrem("t:queued:q", task_id)
    client.srem("t:queued", "q")
    client.zadd("t:active:q", {task_id: at})
    client.sadd("t:active", "q")


class RedisLeaseCases:
    """Fencing against re-claims the lease hash never saw; idempotent claims."""

    @pytest.fixture
    def store(self, client: redis.Redis) -> RedisTaskStore:
        """A store on the test client, prefix ``t``, no announcements."""
        return RedisTaskStore(client, publish=False)

    def test_a_tasktiger_re_claim_fences_the_tiger_worker(
        self, client: redis.Redis, store: RedisTaskStore
    ) -> None:
        """A paused Tiger worker cannot settle what a TaskTiger worker now runs."""
        queue_tasks(store, "a")
        store.claim("q", limit=1, now=T0, owner="w1", busy_retry_at=T0)
        tasktiger_requeue_and_claim(client, "a", T0 + 100)

        lost = store.heartbeat("q", ["a"], now=T0 + 101, owner="w1")
        with pytest.raises(LeaseLost):
            store.complete("q", "a", owner="w1", unique=False)
        with pytest.raises(LeaseLost):
            store.defer("q", "a", owner="w1", score=T0 + 200)

        assert ["a"] == lost
        assert client.exists("t:task:a")  # the payload under the TaskTiger worker
        assert T0 + 100 == client.zscore("t:active:q", "a")

    def test_the_expiry_scan_sweeps_stale_lease_records(
        self, client: redis.Redis, store: RedisTaskStore
    ) -> None:
        """A record whose claim is gone or re-scored is dropped; a current one kept."""
        queue_tasks(store, "a", "b", "c")
        store.claim("q", limit=3, now=T0, owner="w1", busy_retry_at=T0)
        tasktiger_requeue_and_claim(client, "a", T0 + 100)
        client.zrem("t:active:q", "b")  # TaskTiger completed b

        dropped = store.sweep_leases("q", limit=100)

        assert 2 == dropped
        assert ["c"] == list(client.hgetall("t:owner:q"))

    def test_lease_records_go_when_active_empties(
        self, client: redis.Redis, store: RedisTaskStore
    ) -> None:
        """Completing the last active task drops the queue's lease hash with it."""
        queue_tasks(store, "a", "b")
        store.claim("q", limit=2, now=T0, owner="w1", busy_retry_at=T0)
        client.hset("t:owner:q", "gone", f"w9|{T0!r}|r")  # left by someone else

        store.complete("q", "a", owner="w1", unique=False)
        kept = client.hlen("t:owner:q")
        store.complete("q", "b", owner="w1", unique=False)

        assert 2 == kept
        assert not client.exists("t:owner:q")
        assert not client.sismember("t:active", "q")

    def test_a_record_of_an_older_tiger_still_names_its_owner(
        self, client: redis.Redis, store: RedisTaskStore
    ) -> None:
        """A bare token (no score, no mark) is honoured, and counts as started."""
        queue_tasks(store, "a")
        store.claim("q", limit=1, now=T0, owner="w1", busy_retry_at=T0)
        client.hset("t:owner:q", "a", "w1")

        assert [] == store.heartbeat("q", ["a"], now=T0 + 1, owner="w1")
        store.complete("q", "a", owner="w1", unique=False)
        assert not client.exists("t:task:a")

    def test_a_claim_answer_is_kept_for_a_re_send(
        self, client: redis.Redis, store: RedisTaskStore
    ) -> None:
        """The answer sits in ``t:claim:<owner>`` with a TTL, keyed by request id."""
        queue_tasks(store, "a", "b")
        first = store.claim(
            "q", limit=1, now=T0, owner="w1", busy_retry_at=T0, request_id="7"
        )
        again = store.claim(
            "q", limit=1, now=T0 + 5, owner="w1", busy_retry_at=T0, request_id="7"
        )

        assert ["a"] == [t.id for t in first] == [t.id for t in again]
        assert 0 < client.pttl("t:claim:w1") <= CLAIM_REPLY_TTL_MS
        assert (1, 1) == (store.count("q", QUEUED), store.count("q", ACTIVE))
        assert codec.decode_task(client.get("t:task:a"), "a")[0] is not None
