-- enqueue_tasks: write many task payloads of one queue and put each id in queued
-- or scheduled, in order, exactly as enqueue_task would one by one (bulk enqueue).
-- KEYS[1] P:queued              set of queues with queued tasks
-- KEYS[2] P:scheduled           set of queues with scheduled tasks
-- KEYS[3] P:queued:<queue>      zset (also counted for max_queue_size)
-- KEYS[4] P:scheduled:<queue>   zset (also counted for max_queue_size)
-- KEYS[5] P:active:<queue>      counted for max_queue_size
-- KEYS[6] P:activity            channel
-- KEYS[6 + i] P:task:<id of task i>   payload of task i (i = 1..n)
-- ARGV[1] queue name
-- ARGV[2] "1" to PUBLISH the queue once when a task entered queued, else "0"
-- ARGV[3 + 5 * (i - 1) ...] per task i: id, payload JSON, score,
--         state ("queued" or "scheduled"), max_queue_size or "" for no limit
-- Returns one integer per task: 1 if the id entered its zset, 0 if it was there
-- (its score is kept), -1 when the queue held max_queue_size tasks (task i not
-- written; the tasks before it count).
local results = {}
local size = nil
local queued, scheduled = false, false
local n = #KEYS - 6
for i = 1, n do
  local base = 3 + 5 * (i - 1)
  local id, payload, score = ARGV[base], ARGV[base + 1], ARGV[base + 2]
  local state, limit = ARGV[base + 3], ARGV[base + 4]
  local refused = false
  if limit ~= '' then
    if size == nil then
      size = redis.call('ZCARD', KEYS[3]) + redis.call('ZCARD', KEYS[4])
        + redis.call('ZCARD', KEYS[5])
    end
    refused = size >= tonumber(limit)
  end
  if refused then
    results[i] = -1
  else
    local zset_key = KEYS[4]
    if state == 'queued' then
      zset_key, queued = KEYS[3], true
    else
      scheduled = true
    end
    redis.call('SET', KEYS[6 + i], payload)
    local added = redis.call('ZADD', zset_key, 'NX', score, id)
    if size ~= nil then
      size = size + added
    end
    results[i] = added
  end
end
if queued then
  redis.call('SADD', KEYS[1], ARGV[1])
  if ARGV[2] == '1' then
    redis.call('PUBLISH', KEYS[6], ARGV[1])
  end
end
if scheduled then
  redis.call('SADD', KEYS[2], ARGV[1])
end
return results
