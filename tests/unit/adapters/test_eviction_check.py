"""The worker's start-up check of Redis' maxmemory-policy."""

from __future__ import annotations

from typing import Any

import redis
import structlog

from tiger_adapters.redis.health import check_eviction_policy


class _Client:
    """A stand-in for redis.Redis answering CONFIG GET (or refusing it)."""

    def __init__(self, reply: Any) -> None:
        self.reply = reply

    def config_get(self, pattern: str) -> dict[str, str]:
        if isinstance(self.reply, Exception):
            raise self.reply
        return {pattern: self.reply}


def _check(reply: Any) -> tuple[str | None, list[dict[str, Any]]]:
    with structlog.testing.capture_logs() as logs:
        client: Any = _Client(reply)
        policy = check_eviction_policy(client, structlog.get_logger())
    return policy, [dict(log) for log in logs]


def test_an_eviction_policy_gets_one_loud_warning_naming_it():
    """allkeys-lru is named in one warning line."""
    policy, logs = _check("allkeys-lru")

    assert "allkeys-lru" == policy
    assert ["warning"] == [log["log_level"] for log in logs]
    assert "'allkeys-lru'" in logs[0]["event"]


def test_noeviction_is_silent():
    """The safe policy logs nothing."""
    assert ("noeviction", []) == _check("noeviction")


def test_a_refused_config_command_is_an_info_line_not_a_crash():
    """CONFIG denied by an ACL: one info line, the check returns None."""
    policy, logs = _check(redis.exceptions.NoPermissionError("NOPERM config"))

    assert None is policy
    assert [("info", "eviction policy not checked")] == [
        (log["log_level"], log["event"]) for log in logs
    ]
