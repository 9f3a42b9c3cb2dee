-- enqueue_task: write a task payload and put its id in queued or scheduled.
-- KEYS[1] P:<state>             set of queues with tasks in state
-- KEYS[2] P:task:<id>           payload
-- KEYS[3] P:<state>:<queue>     state zset
-- KEYS[4] P:activity            channel
-- KEYS[5] P:queued:<queue>      counted for max_queue_size
-- KEYS[6] P:scheduled:<queue>   counted for max_queue_size
-- KEYS[7] P:active:<queue>      counted for max_queue_size
-- ARGV[1] queue name
-- ARGV[2] task id
-- ARGV[3] payload JSON
-- ARGV[4] score
-- ARGV[5] "1" to PUBLISH the queue to P:activity, else "0"
-- ARGV[6] max_queue_size, or "" for no limit
-- Returns 1 if the id entered the zset, 0 if it was there (its score is kept),
-- or {-1, size} when the queue already holds max_queue_size tasks (nothing written).
if ARGV[6] ~= '' then
  local size = redis.call('ZCARD', KEYS[5]) + redis.call('ZCARD', KEYS[6])
    + redis.call('ZCARD', KEYS[7])
  if size >= tonumber(ARGV[6]) then
    return {-1, size}
  end
end
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('SET', KEYS[2], ARGV[3])
local added = redis.call('ZADD', KEYS[3], 'NX', ARGV[4], ARGV[2])
if ARGV[5] == '1' then
  redis.call('PUBLISH', KEYS[4], ARGV[1])
end
return added
