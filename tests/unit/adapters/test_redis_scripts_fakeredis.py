"""The Redis Lua scripts on fakeredis (Lua via lupa), asserted key by key."""

from __future__ import annotations

from importlib import resources

import fakeredis
import pytest
import redis

from tests.unit.adapters.redis_script_cases import RedisScriptCases
from tiger_adapters.redis.lua_files import script_source
from tiger_adapters.redis.scripts import SCRIPT_NAMES


class TestRedisScriptsOnFakeRedis(RedisScriptCases):
    """The script cases on a fresh fake server per test."""

    @pytest.fixture
    def client(self) -> redis.Redis:
        """A RESP2, decoding fakeredis client on its own server."""
        return fakeredis.FakeRedis(
            server=fakeredis.FakeServer(), decode_responses=True, protocol=2
        )


@pytest.mark.parametrize("name", SCRIPT_NAMES)
def test_script_header_states_keys_argv_and_return(name: str) -> None:
    """Every script opens with comment lines naming its KEYS, ARGV and return."""
    text = (resources.files("tiger_adapters.redis") / "lua" / f"{name}.lua").read_text()
    header = "\n".join(line for line in text.splitlines() if line.startswith("--"))

    assert text.startswith(f"-- {name}:")
    assert all(word in header for word in ("KEYS[1]", "ARGV[1]", "Returns"))


def test_shared_lua_rules_are_written_once() -> None:
    """Scripts that delete task data include the one library instead of a copy."""
    folder = resources.files("tiger_adapters.redis") / "lua"
    scripts = [p for p in folder.iterdir() if p.name.endswith(".lua")]
    copies = [p.name for p in scripts if "local function forget" in p.read_text()]
    includes = [
        p.name for p in scripts if "-- include: lib/forget_task.lua" in p.read_text()
    ]

    assert [] == copies
    assert {
        "complete_task.lua",
        "fail_task.lua",
        "move_task.lua",
        "reclaim_expired.lua",
    } == set(includes)
    assert "local function forget" in script_source("complete_task")
