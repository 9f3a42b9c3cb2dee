-- claim_tasks: move up to N of the oldest queued ids to active (TaskTiger's
-- worker pop, "exists-min + update_sets"). An id already active is not claimed:
-- it goes to scheduled at min(existing due time, busy_retry_at).
-- KEYS[1] P:queued:<queue>
-- KEYS[2] P:active:<queue>
-- KEYS[3] P:scheduled:<queue>
-- KEYS[4] P:owner:<queue>   hash: id -> owner token
-- KEYS[5] P:queued
-- KEYS[6] P:active
-- KEYS[7] P:scheduled
-- ARGV[1] limit (> 0)
-- ARGV[2] now (the active score)
-- ARGV[3] queue name
-- ARGV[4] owner token
-- ARGV[5] busy_retry_at
-- Returns the claimed ids, oldest first. The ids are removed from queued, and
-- the claimed ones added to active and owner, with one command each (limit is
-- kept far below Lua's unpack limit by the worker).
local ids = redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1)
if #ids == 0 then
  return {}
end
redis.call('ZREM', KEYS[1], unpack(ids))
local claimed, active, owners, busy = {}, {}, {}, 0
for _, id in ipairs(ids) do
  if redis.call('ZSCORE', KEYS[2], id) then
    local due = ARGV[5]
    local existing = redis.call('ZSCORE', KEYS[3], id)
    if existing and tonumber(existing) < tonumber(due) then
      due = existing
    end
    redis.call('ZADD', KEYS[3], due, id)
    busy = busy + 1
  else
    claimed[#claimed + 1] = id
    active[#active + 1] = ARGV[2]
    active[#active + 1] = id
    owners[#owners + 1] = id
    owners[#owners + 1] = ARGV[4]
  end
end
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('SREM', KEYS[5], ARGV[3])
end
if #claimed > 0 then
  redis.call('ZADD', KEYS[2], unpack(active))
  redis.call('HSET', KEYS[4], unpack(owners))
  redis.call('SADD', KEYS[6], ARGV[3])
end
if busy > 0 then
  redis.call('SADD', KEYS[7], ARGV[3])
end
return claimed
