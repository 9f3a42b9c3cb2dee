-- queue_periodic: schedule a periodic task's next run unless it is pending.
-- Nothing happens if the id is queued or scheduled, or active under an owner
-- other than the caller (any owner when the caller gives none). Otherwise the
-- payload is written and the id scheduled at the next run time. One script, so
-- any number of workers queue each period at most once.
-- KEYS[1] P:task:<id>
-- KEYS[2] P:queued:<queue>
-- KEYS[3] P:active:<queue>
-- KEYS[4] P:scheduled:<queue>
-- KEYS[5] P:owner:<queue>
-- KEYS[6] P:scheduled
-- ARGV[1] task id
-- ARGV[2] queue name
-- ARGV[3] payload JSON
-- ARGV[4] next run time (the scheduled score)
-- ARGV[5] owner token of the caller, or "" for none
-- Returns 1 if the next run was scheduled, 0 if it was already pending.
-- include: lib/lease.lua
local id = ARGV[1]
if redis.call('ZSCORE', KEYS[2], id) or redis.call('ZSCORE', KEYS[4], id) then
  return 0
end
if redis.call('ZSCORE', KEYS[3], id) then
  if ARGV[5] == '' or lease_parse(redis.call('HGET', KEYS[5], id)) ~= ARGV[5] then
    return 0
  end
end
redis.call('SET', KEYS[1], ARGV[3])
redis.call('ZADD', KEYS[4], ARGV[4], id)
redis.call('SADD', KEYS[6], ARGV[2])
return 1
