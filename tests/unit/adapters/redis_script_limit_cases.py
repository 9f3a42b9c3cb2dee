"""Key-level cases of the max_queue_size check and update_scheduled_time.lua.

Mixed into :class:`tests.unit.adapters.redis_script_cases.RedisScriptCases`, which
supplies the ``client`` and ``scripts`` fixtures (fakeredis and redis-server).
"""

from __future__ import annotations

import json

import pytest
import redis

from tiger_adapters.redis.scripts import Scripts
from tiger_core.errors import QueueFullException
from tiger_core.model.state import TaskState

T0 = 1_800_000_000.0


class RedisScriptLimitCases:
    """The size check of enqueue_task.lua and the compare-and-set of rescheduling."""

    def test_full_queue_writes_no_key(
        self, client: redis.Redis, scripts: Scripts
    ) -> None:
        """A refused enqueue leaves no payload, zset entry or queue-set member."""
        client.zadd("t:active:q", {"x": T0})

        with pytest.raises(QueueFullException):
            scripts.enqueue_task(
                "q",
                TaskState.SCHEDULED,
                "a",
                "{}",
                score=T0,
                publish=False,
                max_queue_size=1,
            )

        assert ["t:active:q"] == client.keys("*")

    def test_stale_read_changes_nothing(
        self, client: redis.Redis, scripts: Scripts
    ) -> None:
        """A payload changed since it was read is not overwritten (returns 0)."""
        client.zadd("t:scheduled:q", {"a": T0})
        client.set("t:task:a", json.dumps({"id": "a", "args": [2]}))

        done = scripts.update_scheduled_time(
            "q", "a", when=T0 + 5, read='{"id": "a"}', write='{"x": 1}'
        )

        assert 0 == done
        assert T0 == client.zscore("t:scheduled:q", "a")
        assert '{"id": "a", "args": [2]}' == client.get("t:task:a")

    def test_matching_read_swaps_payload_and_score(
        self, client: redis.Redis, scripts: Scripts
    ) -> None:
        """With the payload unchanged, score and payload are written together."""
        client.zadd("t:scheduled:q", {"a": T0})
        client.set("t:task:a", '{"id": "a"}')

        done = scripts.update_scheduled_time(
            "q", "a", when=T0 + 5, read='{"id": "a"}', write='{"id": "b"}'
        )

        assert (1, T0 + 5) == (done, client.zscore("t:scheduled:q", "a"))
        assert '{"id": "b"}' == client.get("t:task:a")

    def test_unscheduled_id_returns_minus_one(
        self, client: redis.Redis, scripts: Scripts
    ) -> None:
        """An id absent from scheduled is reported, and nothing is written."""
        client.set("t:task:a", '{"id": "a"}')

        done = scripts.update_scheduled_time(
            "q", "a", when=T0, read='{"id": "a"}', write="{}"
        )

        assert (-1, ["t:task:a"]) == (done, client.keys("*"))
