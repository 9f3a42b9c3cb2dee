"""Key-level tests of the Redis Lua scripts, shared by fakeredis and redis-server.

``RedisScriptCases`` is not collected on its own; a ``Test*`` subclass supplies a
``client`` fixture (a RESP2, ``decode_responses=True`` client on an empty database).
The assertions spell TaskTiger's keys literally (compat 3.1 and 3.3): that layout is
what the scripts must produce.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import redis
from redis.exceptions import ResponseError

from tests.unit.adapters.redis_lease_cases import RedisLeaseCases
from tests.unit.adapters.redis_script_limit_cases import RedisScriptLimitCases
from tiger_adapters import codec
from tiger_adapters.redis.keys import KeySchema
from tiger_adapters.redis.scripts import Scripts
from tiger_core.model.execution import ExecutionRecord
from tiger_core.model.state import TaskState
from tiger_core.model.task import TaskData

QUEUED, ACTIVE, SCHEDULED, ERROR = (
    TaskState.QUEUED,
    TaskState.ACTIVE,
    TaskState.SCHEDULED,
    TaskState.ERROR,
)
T0 = 1_800_000_000.0
FUNC = "tests.sample_tasks:add"


def payload(task_id: str, **fields: Any) -> str:
    """The JSON text of a task of the sample function."""
    return codec.encode_task(TaskData(id=task_id, func=FUNC, **fields))


def record_json(name: str = "builtins:ValueError") -> str:
    """The JSON text of a failure record."""
    record = ExecutionRecord(time_started=T0, exception_name=name, time_failed=T0)
    return codec.encode_record(record)


class RedisScriptCases(RedisScriptLimitCases, RedisLeaseCases):
    """Script-level behaviour, asserted on the raw Redis keys."""

    @pytest.fixture
    def scripts(self, client: redis.Redis) -> Scripts:
        """The scripts registered on the test client with prefix ``t``."""
        return Scripts(client, KeySchema())

    def enqueue(
        self,
        scripts: Scripts,
        task_id: str,
        *,
        state: TaskState = QUEUED,
        score: float = T0,
        **fields: Any,
    ) -> None:
        """Enqueue a task on queue ``q`` without publishing."""
        text = payload(task_id, **fields)
        scripts.enqueue_task("q", state, task_id, text, score=score, publish=False)

    def claimed(self, scripts: Scripts, task_id: str, *, unique: bool = False) -> None:
        """Enqueue ``task_id`` and claim it for owner ``w1`` at T0."""
        self.enqueue(scripts, task_id, unique=unique or None)
        assert [task_id] == scripts.claim_tasks(
            "q", limit=1, now=T0, owner="w1", busy_retry_at=T0 + 1
        )

    def test_enqueue_writes_tasktiger_layout(self, client, scripts) -> None:
        """Enqueue creates exactly the state set, the zset and the payload."""
        text = payload("a", args=[1])

        scripts.enqueue_task("q", QUEUED, "a", text, score=T0, publish=False)

        assert sorted(client.keys("*")) == ["t:queued", "t:queued:q", "t:task:a"]
        assert client.zrange("t:queued:q", 0, -1, withscores=True) == [("a", T0)]
        assert {"q"} == client.smembers("t:queued")
        assert json.loads(client.get("t:task:a")) == {
            "id": "a",
            "func": FUNC,
            "args": [1],
        }

    def test_enqueue_scheduled(self, client, scripts) -> None:
        """A scheduled task goes to the scheduled zset at its due time."""
        self.enqueue(scripts, "a", state=SCHEDULED, score=T0 + 60)

        assert client.zrange("t:scheduled:q", 0, -1, withscores=True) == [
            ("a", T0 + 60)
        ]
        assert {"q"} == client.smembers("t:scheduled")

    def test_enqueue_publishes_the_queue(self, client, scripts) -> None:
        """With the publish flag the queue name is sent on ``t:activity``."""
        pubsub = client.pubsub(ignore_subscribe_messages=True)
        pubsub.subscribe("t:activity")
        pubsub.get_message(timeout=1)

        scripts.enqueue_task("q", QUEUED, "a", payload("a"), score=T0, publish=True)

        message = pubsub.get_message(timeout=1)
        pubsub.close()
        assert message is not None
        assert (message["channel"], message["data"]) == ("t:activity", "q")

    def test_enqueue_twice_keeps_score_replaces_payload(self, client, scripts) -> None:
        """ZADD NX keeps the first score; the last payload wins."""
        self.enqueue(scripts, "u", unique=True, args=[1])
        self.enqueue(scripts, "u", score=T0 + 5, unique=True, args=[2])

        assert client.zscore("t:queued:q", "u") == T0
        assert json.loads(client.get("t:task:u"))["args"] == [2]

    def test_claim_moves_oldest_to_active_with_owner(self, client, scripts) -> None:
        """Claimed ids are active at ``now`` and owned; the queued set empties."""
        self.enqueue(scripts, "b", score=T0 + 1)
        self.enqueue(scripts, "a", score=T0)

        claimed = scripts.claim_tasks(
            "q", limit=5, now=T0 + 9, owner="w1", busy_retry_at=T0 + 10
        )

        assert claimed == ["a", "b"]
        assert client.zrange("t:active:q", 0, -1, withscores=True) == [
            ("a", T0 + 9),
            ("b", T0 + 9),
        ]
        lease = f"w1|{T0 + 9!r}|r"
        assert client.hgetall("t:owner:q") == {"a": lease, "b": lease}
        assert (set(), {"q"}) == (
            client.smembers("t:queued"),
            client.smembers("t:active"),
        )
        assert not client.exists("t:queued:q")

    def test_claim_honours_limit(self, client, scripts) -> None:
        """Only ``limit`` ids are claimed; a zero limit claims nothing."""
        for offset, task_id in enumerate("abc"):
            self.enqueue(scripts, task_id, score=T0 + offset)

        none = scripts.claim_tasks("q", limit=0, now=T0, owner="w", busy_retry_at=T0)
        two = scripts.claim_tasks("q", limit=2, now=T0, owner="w", busy_retry_at=T0)

        assert (none, two) == ([], ["a", "b"])
        assert client.zrange("t:queued:q", 0, -1) == ["c"]
        assert {"q"} == client.smembers("t:queued")

    def test_claim_defers_an_active_twin(self, client, scripts) -> None:
        """An id already active goes to scheduled at busy_retry_at, unclaimed."""
        self.claimed(scripts, "u", unique=True)
        self.enqueue(scripts, "u", unique=True)

        claimed = scripts.claim_tasks(
            "q", limit=1, now=T0 + 1, owner="w2", busy_retry_at=T0 + 5
        )

        assert claimed == []
        assert client.zscore("t:scheduled:q", "u") == T0 + 5
        assert client.zscore("t:active:q", "u") == T0
        assert ({"q"}, {"u": f"w1|{T0!r}|r"}) == (
            client.smembers("t:scheduled"),
            client.hgetall("t:owner:q"),
        )

    def test_claim_keeps_an_earlier_due_time(self, client, scripts) -> None:
        """The deferred twin keeps min(existing, busy_retry_at)."""
        self.claimed(scripts, "u", unique=True)
        self.enqueue(scripts, "u", state=SCHEDULED, score=T0 + 2, unique=True)
        self.enqueue(scripts, "u", unique=True)

        scripts.claim_tasks("q", limit=1, now=T0 + 1, owner="w2", busy_retry_at=T0 + 5)

        assert client.zscore("t:scheduled:q", "u") == T0 + 2

    def test_heartbeat_renews_owned_and_reports_lost(self, client, scripts) -> None:
        """Owned active ids get the new score; others are reported, not added."""
        self.claimed(scripts, "a")

        lost = scripts.heartbeat_tasks("q", ["a", "x"], now=T0 + 3, owner="w1")
        stolen = scripts.heartbeat_tasks("q", ["a"], now=T0 + 4, owner="w2")

        assert (lost, stolen) == (["x"], ["a"])
        assert client.zrange("t:active:q", 0, -1, withscores=True) == [("a", T0 + 3)]

    def test_complete_leaves_no_key(self, client, scripts) -> None:
        """Completing a non-unique task removes every key it had."""
        self.claimed(scripts, "a")
        client.rpush("t:task:a:executions", record_json())
        client.set("t:task:a:executions_count", 1)

        scripts.complete_task("q", "a", owner="w1")

        assert client.keys("*") == []

    def test_complete_by_other_owner_is_lease_lost(self, client, scripts) -> None:
        """Another owner gets LEASE_LOST and nothing changes."""
        self.claimed(scripts, "a")
        before = sorted(client.keys("*"))

        with pytest.raises(ResponseError, match="LEASE_LOST"):
            scripts.complete_task("q", "a", owner="w2")

        assert before == sorted(client.keys("*"))
        assert client.hgetall("t:owner:q") == {"a": f"w1|{T0!r}|r"}

    def test_complete_unique_keeps_payload_of_queued_twin(
        self, client, scripts
    ) -> None:
        """A unique task's payload survives while the id is queued; executions go."""
        self.claimed(scripts, "u", unique=True)
        self.enqueue(scripts, "u", unique=True, args=[9])
        client.set("t:task:u:executions_count", 2)

        scripts.complete_task("q", "u", owner="w1")

        assert sorted(client.keys("*")) == ["t:queued", "t:queued:q", "t:task:u"]

    def test_complete_unique_keeps_executions_while_in_error(
        self, client, scripts
    ) -> None:
        """A unique task also in error keeps its executions and payload."""
        self.claimed(scripts, "u", unique=True)
        client.zadd("t:error:q", {"u": T0})
        client.rpush("t:task:u:executions", record_json())
        client.set("t:task:u:executions_count", 1)

        scripts.complete_task("q", "u", owner="w1")

        assert (
            client.exists(
                "t:task:u", "t:task:u:executions", "t:task:u:executions_count"
            )
            == 3
        )

    def test_fail_to_error_appends_record(self, client, scripts) -> None:
        """A failure to error stores the record, counts it and leaves active."""
        self.claimed(scripts, "a")

        scripts.fail_task(
            "q", "a", owner="w1", record=record_json(), keep=0, to_state=ERROR,
            score=T0 + 2,
        )  # fmt: skip

        assert [json.loads(record_json())] == [
            json.loads(r) for r in client.lrange("t:task:a:executions", 0, -1)
        ]
        assert client.get("t:task:a:executions_count") == "1"
        assert client.zrange("t:error:q", 0, -1, withscores=True) == [("a", T0 + 2)]
        assert ({"q"}, set(), {}) == (
            client.smembers("t:error"),
            client.smembers("t:active"),
            client.hgetall("t:owner:q"),
        )
        assert not client.exists("t:active:q")

    def test_fail_trims_to_keep(self, client, scripts) -> None:
        """LTRIM keeps only the newest ``keep`` records."""
        client.rpush("t:task:a:executions", record_json("m:E0"), record_json("m:E1"))
        self.claimed(scripts, "a")

        scripts.fail_task(
            "q", "a", owner="w1", record=record_json("m:E2"), keep=2,
            to_state=SCHEDULED, score=T0 + 60,
        )  # fmt: skip

        names = [
            json.loads(r)["exception_name"]
            for r in client.lrange("t:task:a:executions", 0, -1)
        ]
        assert names == ["m:E1", "m:E2"]
        assert client.zscore("t:scheduled:q", "a") == T0 + 60

    def test_fail_without_state_deletes(self, client, scripts) -> None:
        """A failure with no destination deletes a non-unique task entirely."""
        self.claimed(scripts, "a")

        scripts.fail_task(
            "q", "a", owner="w1", record=record_json(), keep=0, to_state=None,
            score=T0,
        )  # fmt: skip

        assert client.keys("*") == []

    def test_fail_by_other_owner_is_lease_lost(self, client, scripts) -> None:
        """A lost lease refuses the failure and records nothing."""
        self.claimed(scripts, "a")

        with pytest.raises(ResponseError, match="LEASE_LOST"):
            scripts.fail_task(
                "q", "a", owner="w2", record=record_json(), keep=0, to_state=ERROR,
                score=T0,
            )  # fmt: skip

        assert not client.exists("t:task:a:executions", "t:error:q")

    def test_move_error_to_queued_publishes(self, client, scripts) -> None:
        """A retry from error re-queues at score, keeps the count and publishes."""
        self.claimed(scripts, "a")
        scripts.fail_task(
            "q", "a", owner="w1", record=record_json(), keep=0, to_state=ERROR,
            score=T0,
        )  # fmt: skip
        pubsub = client.pubsub(ignore_subscribe_messages=True)
        pubsub.subscribe("t:activity")
        pubsub.get_message(timeout=1)

        scripts.move_task(
            "q", "a", from_state=ERROR, to_state=QUEUED, score=T0 + 7, publish=True
        )

        message = pubsub.get_message(timeout=1)
        pubsub.close()
        assert message is not None
        assert message["data"] == "q"
        assert client.zscore("t:queued:q", "a") == T0 + 7
        assert (set(), {"q"}) == (
            client.smembers("t:error"),
            client.smembers("t:queued"),
        )
        assert client.get("t:task:a:executions_count") == "1"

    def test_move_not_in_zset(self, client, scripts) -> None:
        """Moving from a state the id is not in fails with NOT_IN_ZSET."""
        self.enqueue(scripts, "a")

        with pytest.raises(ResponseError, match="NOT_IN_ZSET"):
            scripts.move_task(
                "q", "a", from_state=ERROR, to_state=None, score=T0, publish=False
            )

        assert client.exists("t:task:a", "t:queued:q") == 2

    def test_move_delete_from_error_of_unique(self, client, scripts) -> None:
        """Deleting a unique task from error drops its executions, keeps payload."""
        self.enqueue(scripts, "u", unique=True)
        client.zadd("t:error:q", {"u": T0})
        client.sadd("t:error", "q")
        client.rpush("t:task:u:executions", record_json())
        client.set("t:task:u:executions_count", 1)

        scripts.move_task(
            "q", "u", from_state=ERROR, to_state=None, score=T0, publish=False
        )

        assert sorted(client.keys("*")) == ["t:queued", "t:queued:q", "t:task:u"]

    def test_move_from_active_drops_owner(self, client, scripts) -> None:
        """Leaving active through move_task forgets the owner."""
        self.claimed(scripts, "a")

        scripts.move_task(
            "q", "a", from_state=ACTIVE, to_state=QUEUED, score=T0, publish=False
        )

        assert ({}, set()) == (
            client.hgetall("t:owner:q"),
            client.smembers("t:active"),
        )
        assert client.zscore("t:queued:q", "a") == T0

    def test_promote_due(self, client, scripts) -> None:
        """Due ids move to queued at now; one already queued just leaves."""
        self.enqueue(scripts, "q1", score=T0)
        self.enqueue(scripts, "q1", state=SCHEDULED, score=T0 + 1)
        self.enqueue(scripts, "s1", state=SCHEDULED, score=T0 + 2)
        self.enqueue(scripts, "s2", state=SCHEDULED, score=T0 + 100)

        moved = scripts.promote_due("q", now=T0 + 10, limit=10, publish=False)

        assert moved == 1
        assert client.zrange("t:queued:q", 0, -1, withscores=True) == [
            ("q1", T0),
            ("s1", T0 + 10),
        ]
        assert client.zrange("t:scheduled:q", 0, -1) == ["s2"]
        assert ({"q"}, {"q"}) == (
            client.smembers("t:queued"),
            client.smembers("t:scheduled"),
        )

    def test_promote_due_empties_scheduled_set(self, client, scripts) -> None:
        """When the scheduled zset empties, its queue leaves ``t:scheduled``."""
        self.enqueue(scripts, "s1", state=SCHEDULED, score=T0)

        moved = scripts.promote_due("q", now=T0, limit=1, publish=False)

        assert (1, set()) == (moved, client.smembers("t:scheduled"))
        assert {"q"} == client.smembers("t:queued")
