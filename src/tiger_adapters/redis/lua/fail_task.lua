-- fail_task: append a failed execution and move the task out of active, to
-- error or scheduled at a score, or delete it.
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
-- KEYS[13] P:active:<next queue>   (see ARGV[8]; any key when there is none)
-- KEYS[14] P:owner:<next queue>
-- KEYS[15] P:claim:<owner>   (see ARGV[9])
-- ARGV[1] task id
-- ARGV[2] queue name
-- ARGV[3] owner token
-- ARGV[4] execution record JSON
-- ARGV[5] executions to keep (0: keep all)
-- ARGV[6] target state ("queued", "scheduled" or "error"), or "" to delete
-- ARGV[7] score in the target state
-- ARGV[8] the id of the owner's held task that runs next, or "" (as in
--         complete_task, with KEYS[13] and KEYS[14])
-- ARGV[9] "1" when the owner holds nothing more of its last claim (as in
--         complete_task, with KEYS[15])
-- Returns 1, or the error "LEASE_LOST ..." when the owner does not hold the
-- task (nothing changed). Deletion follows complete_task's rules.
-- include: lib/forget_task.lua
-- include: lib/lease.lua
local id, queue, owner = ARGV[1], ARGV[2], ARGV[3]
local to_state = ARGV[6]
local zset_of = { active = 4, queued = 5, scheduled = 6, error = 7 }
local set_of = { active = 8, queued = 9, scheduled = 10, error = 11 }

if not lease_held(KEYS[12], KEYS[4], id, owner) then
  return redis.error_reply(
    'LEASE_LOST task ' .. id .. ' of queue ' .. queue .. ' is not held by ' .. owner)
end
-- The first write frees memory (ZREM): under maxmemory with noeviction Redis
-- refuses a script only at a first write that may grow memory, so a worker can
-- still settle (drain) tasks when Redis is full.
redis.call('ZREM', KEYS[4], id)
redis.call('HDEL', KEYS[12], id)
redis.call('RPUSH', KEYS[2], ARGV[4])
redis.call('INCR', KEYS[3])
local keep = tonumber(ARGV[5])
if keep > 0 then
  redis.call('LTRIM', KEYS[2], -keep, -1)
end
if to_state == '' then
  forget(id)
else
  redis.call('ZADD', KEYS[zset_of[to_state]], ARGV[7], id)
  redis.call('SADD', KEYS[set_of[to_state]], queue)
end
if ARGV[8] ~= '' then
  lease_start(KEYS[14], KEYS[13], ARGV[8], owner)
end
lease_queue_left(KEYS[4], KEYS[8], KEYS[12], queue)
if ARGV[9] == '1' then
  redis.call('DEL', KEYS[15])
end
return 1
