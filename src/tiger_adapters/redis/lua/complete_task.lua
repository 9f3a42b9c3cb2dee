-- complete_task: remove a successfully executed task from active.
-- KEYS[1]  P:task:<id>
-- KEYS[2]  P:task:<id>:executions
-- KEYS[3]  P:task:<id>:executions_count
-- KEYS[4]  P:active:<queue>
-- KEYS[5]  P:queued:<queue>
-- KEYS[6]  P:scheduled:<queue>
-- KEYS[7]  P:error:<queue>
-- KEYS[8]  P:active
-- KEYS[9]  P:queued      (unused; same layout as fail_task)
-- KEYS[10] P:scheduled   (unused; same layout as fail_task)
-- KEYS[11] P:error       (unused; same layout as fail_task)
-- KEYS[12] P:owner:<queue>
-- ARGV[1] task id
-- ARGV[2] queue name
-- ARGV[3] owner token
-- ARGV[4] "1" if the payload is unique, "0" if not, "" to read it (the caller
--         knows from the payload it claimed; a task id never changes uniqueness)
-- KEYS[13] P:active:<next queue>   (see ARGV[5]; any key when there is none)
-- KEYS[14] P:owner:<next queue>
-- KEYS[15] P:claim:<owner>   (see ARGV[6])
-- ARGV[5] the id of the owner's held task that runs next (in KEYS[13]), or
--         "": it is marked as handed to run (lib/lease.lua) in the same call
-- ARGV[6] "1" when the owner holds nothing more of its last claim: the answer
--         kept for a re-send of that claim (claim_tasks.lua) is deleted
-- Returns 1, or the error "LEASE_LOST ..." when the owner does not hold the
-- task (nothing changed). The payload and executions are deleted following
-- TaskTiger's move_task rules: all three keys for a non-unique task; for a
-- unique task the executions survive while the id is in error and the payload
-- while the id is in any state.
-- include: lib/forget_task.lua
-- include: lib/lease.lua
local id, queue, owner = ARGV[1], ARGV[2], ARGV[3]

-- The lease check reads; the first write (ZREM) frees memory, so a full Redis
-- (noeviction) still settles.
if not lease_held(KEYS[12], KEYS[4], id, owner) then
  return redis.error_reply(
    'LEASE_LOST task ' .. id .. ' of queue ' .. queue .. ' is not held by ' .. owner)
end
redis.call('ZREM', KEYS[4], id)
redis.call('HDEL', KEYS[12], id)
local unique = nil
if ARGV[4] == '1' then
  unique = true
elseif ARGV[4] == '0' then
  unique = false
end
forget(id, unique)
if ARGV[5] ~= '' then
  lease_start(KEYS[14], KEYS[13], ARGV[5], owner)
end
lease_queue_left(KEYS[4], KEYS[8], KEYS[12], queue)
if ARGV[6] == '1' then
  redis.call('DEL', KEYS[15])
end
return 1
