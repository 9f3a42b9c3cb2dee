"""Fast backlogs: clone one real task many times with a server-side Lua loop.

The clones are exact copies of a task queued through the system's own API, with
fresh ids, so workers run them like any other task.
"""

from __future__ import annotations

import time

import redis

_CHUNK = 20_000

# ARGV: task key prefix, queued zset, template, template id, id base, first, count,
# score. Clone ids are the base (48 hex digits) followed by 16 hex digits.
_TASKTIGER_LUA = """
local template, old = ARGV[3], ARGV[4]
for i = tonumber(ARGV[6]), tonumber(ARGV[6]) + tonumber(ARGV[7]) - 1 do
  local id = ARGV[5] .. string.format('%016x', i)
  redis.call('SET', ARGV[1] .. id, (string.gsub(template, old, id)))
  redis.call('ZADD', ARGV[2], ARGV[8], id)
end
"""

# ARGV: job key prefix, queue list, id base, first, count, then field/value pairs.
_RQ_LUA = """
local fields = {}
for i = 6, #ARGV do fields[#fields + 1] = ARGV[i] end
for i = tonumber(ARGV[4]), tonumber(ARGV[4]) + tonumber(ARGV[5]) - 1 do
  local id = ARGV[3] .. string.format('%016x', i)
  redis.call('HSET', ARGV[1] .. id, unpack(fields))
  redis.call('RPUSH', ARGV[2], id)
end
"""


def _text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode()
    if not isinstance(value, str):
        raise RuntimeError(f"template task not found ({value!r})")
    return value


def _chunks(n: int) -> list[tuple[int, int]]:
    return [(first, min(_CHUNK, n - first)) for first in range(0, n, _CHUNK)]


def clone_tasktiger_format(
    client: redis.Redis, prefix: str, queue: str, n: int
) -> None:
    """Clone the one task queued in ``queue`` until ``n`` more are queued.

    TaskTiger's layout, which Tiger shares: ``P:task:<id>`` holds the JSON (with
    its id inside), ``P:queued:<queue>`` the ids.
    """
    zset = f"{prefix}:queued:{queue}"
    (template_id,) = (_text(value) for value in client.zrange(zset, 0, 0))
    template = _text(client.get(f"{prefix}:task:{template_id}"))
    script = client.register_script(_TASKTIGER_LUA)
    base = "b" * 48
    key_prefix, score = f"{prefix}:task:", time.time()
    for first, count in _chunks(n):
        script(
            args=[key_prefix, zset, template, template_id, base, first, count, score]
        )


def clone_rq_format(client: redis.Redis, queue: str, n: int) -> None:
    """Clone the one job queued in RQ's ``queue`` until ``n`` more are queued."""
    queue_key = f"rq:queue:{queue}"
    (template_id,) = (_text(value) for value in client.lrange(queue_key, 0, 0))
    fields = client.hgetall(f"rq:job:{template_id}")
    if not fields:
        raise RuntimeError(f"RQ job {template_id} not found")
    pairs = [item for pair in fields.items() for item in pair]
    script = client.register_script(_RQ_LUA)
    base = "b" * 16
    for first, count in _chunks(n):
        script(args=["rq:job:", queue_key, base, first, count, *pairs])
