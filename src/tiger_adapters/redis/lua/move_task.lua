-- move_task: move a task between the states of its queue, or delete it
-- (TaskTiger's move_task, for administration and unusable payloads).
-- KEYS[1]  P:task:<id>
-- KEYS[2]  P:task:<id>:executions
-- KEYS[3]  P:task:<id>:executions_count
-- KEYS[4]  P:active:<queue>
-- KEYS[5]  P:queued:<queue>
-- KEYS[6]  P:scheduled:<queue>
-- KEYS[7]  P:error:<queue>
-- KEYS[8]  P:active
-- KEYS[9]  P:queued
-- KEYS[10] P:scheduled
-- KEYS[11] P:error
-- KEYS[12] P:owner:<queue>
-- KEYS[13] P:activity
-- ARGV[1] task id
-- ARGV[2] queue name
-- ARGV[3] source state
-- ARGV[4] target state, or "" to delete
-- ARGV[5] score in the target state (plain ZADD: an existing score is replaced)
-- ARGV[6] "1" to PUBLISH the queue to P:activity when the target is queued
-- Returns 1, or the error "NOT_IN_ZSET ..." when the id is not in the source
-- state (nothing changed). Deletion follows complete_task's rules; leaving
-- error always deletes the executions.
-- include: lib/forget_task.lua
-- include: lib/lease.lua
local id, queue = ARGV[1], ARGV[2]
local from_state, to_state = ARGV[3], ARGV[4]
local zset_of = { active = 4, queued = 5, scheduled = 6, error = 7 }
local set_of = { active = 8, queued = 9, scheduled = 10, error = 11 }
local from_zset = KEYS[zset_of[from_state]]

if not redis.call('ZSCORE', from_zset, id) then
  return redis.error_reply(
    'NOT_IN_ZSET task ' .. id .. ' is not in ' .. from_state .. ' of ' .. queue)
end
redis.call('ZREM', from_zset, id)
if from_state == 'active' then
  redis.call('HDEL', KEYS[12], id)
end
if to_state == '' then
  forget(id)
else
  redis.call('ZADD', KEYS[zset_of[to_state]], ARGV[5], id)
  redis.call('SADD', KEYS[set_of[to_state]], queue)
end
if from_state == 'active' then
  lease_queue_left(from_zset, KEYS[8], KEYS[12], queue)
elseif redis.call('EXISTS', from_zset) == 0 then
  redis.call('SREM', KEYS[set_of[from_state]], queue)
end
if to_state == 'queued' and ARGV[6] == '1' then
  redis.call('PUBLISH', KEYS[13], queue)
end
return 1
