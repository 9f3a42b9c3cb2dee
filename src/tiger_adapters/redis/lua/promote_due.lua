-- promote_due: move up to N scheduled ids due by now to queued (TaskTiger's
-- scheduled promotion, "exists-ignore + update_sets"). An id that is already
-- queued just leaves scheduled and keeps its queued score.
-- KEYS[1] P:scheduled:<queue>
-- KEYS[2] P:queued:<queue>
-- KEYS[3] P:scheduled
-- KEYS[4] P:queued
-- KEYS[5] P:activity
-- ARGV[1] now (the due cutoff and the queued score)
-- ARGV[2] limit (> 0)
-- ARGV[3] queue name
-- ARGV[4] "1" to PUBLISH the queue to P:activity when an id entered queued
-- Returns the number of ids that entered queued.
local ids = redis.call(
  'ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
local moved = 0
for _, id in ipairs(ids) do
  redis.call('ZREM', KEYS[1], id)
  if not redis.call('ZSCORE', KEYS[2], id) then
    redis.call('ZADD', KEYS[2], ARGV[1], id)
    moved = moved + 1
  end
end
if #ids > 0 and redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('SREM', KEYS[3], ARGV[3])
end
if moved > 0 then
  redis.call('SADD', KEYS[4], ARGV[3])
  if ARGV[4] == '1' then
    redis.call('PUBLISH', KEYS[5], ARGV[3])
  end
end
return moved
