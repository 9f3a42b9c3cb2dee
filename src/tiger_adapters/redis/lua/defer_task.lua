-- defer_task: put an owner's active task back in scheduled without recording an
-- execution (TaskTiger's transition 7: the task's lock is busy).
-- KEYS[1] P:active:<queue>
-- KEYS[2] P:scheduled:<queue>
-- KEYS[3] P:active
-- KEYS[4] P:scheduled
-- KEYS[5] P:owner:<queue>
-- ARGV[1] task id
-- ARGV[2] queue name
-- ARGV[3] owner token
-- ARGV[4] due time (mode "min": an earlier existing due time is kept)
-- Returns 1, or the error "LEASE_LOST ..." when the owner does not hold the
-- task (nothing changed).
-- The first write is the ZREM from active, which Redis runs even at maxmemory
-- (noeviction); a ZADD first would be refused with OOM and the defer lost.
-- include: lib/lease.lua
local id, queue, owner = ARGV[1], ARGV[2], ARGV[3]
local due = ARGV[4]

if not lease_held(KEYS[5], KEYS[1], id, owner) then
  return redis.error_reply(
    'LEASE_LOST task ' .. id .. ' of queue ' .. queue .. ' is not held by ' .. owner)
end
redis.call('ZREM', KEYS[1], id)
redis.call('HDEL', KEYS[5], id)
local existing = redis.call('ZSCORE', KEYS[2], id)
if existing and tonumber(existing) < tonumber(due) then
  due = existing
end
redis.call('ZADD', KEYS[2], due, id)
redis.call('SADD', KEYS[4], queue)
lease_queue_left(KEYS[1], KEYS[3], KEYS[5], queue)
return 1
