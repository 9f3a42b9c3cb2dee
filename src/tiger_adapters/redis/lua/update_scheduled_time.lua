-- update_scheduled_time: re-score a scheduled task and swap in its patched payload,
-- only if the payload is still the one the caller read (compare and set).
-- KEYS[1] P:scheduled:<queue>   scheduled zset
-- KEYS[2] P:task:<id>           payload
-- ARGV[1] task id
-- ARGV[2] new score (due time)
-- ARGV[3] the payload the caller read
-- ARGV[4] the payload to write (the read one with scheduled_at changed)
-- Returns 1 when updated, 0 when the payload changed meanwhile (nothing written;
-- read again and retry), -1 when the id is not scheduled or has no payload.
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  return -1
end
local current = redis.call('GET', KEYS[2])
if not current then
  return -1
end
if current ~= ARGV[3] then
  return 0
end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('SET', KEYS[2], ARGV[4])
return 1
