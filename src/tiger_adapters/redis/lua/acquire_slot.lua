-- acquire_slot: take or renew a worker's slot of a queue (TaskTiger's
-- semaphore.lua, same key and members, so both systems share the limit).
-- KEYS[1] P:qslock:<queue>   zset: worker id -> expiry, SYSTEM_LOCK -> expiry
-- ARGV[1] owner (worker id)
-- ARGV[2] limit: most owners holding a slot at once (>= 1)
-- ARGV[3] now
-- ARGV[4] expiry of the slot (now + ttl)
-- ARGV[5] TTL of the whole key in seconds (ceil(2 * ttl))
-- Returns 1 if the owner holds a slot, 0 if all slots are taken, -1 if the
-- queue is paused by an unexpired SYSTEM_LOCK.
local owner, limit = ARGV[1], tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
if redis.call('ZSCORE', KEYS[1], 'SYSTEM_LOCK') then
  return -1
end
if not redis.call('ZSCORE', KEYS[1], owner)
    and redis.call('ZCARD', KEYS[1]) + 1 > limit then
  redis.call('EXPIRE', KEYS[1], ARGV[5])
  return 0
end
redis.call('ZADD', KEYS[1], ARGV[4], owner)
-- After the ZADD (TaskTiger expires first, which leaves a new key without TTL).
redis.call('EXPIRE', KEYS[1], ARGV[5])
return 1
