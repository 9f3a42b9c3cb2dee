-- reclaim_expired: take over an active task whose worker stopped heartbeating,
-- but only if it is STILL expired (a heartbeat that came in meanwhile wins).
-- Appends the "worker lost" record (if given), clears the owner (the old worker
-- then gets LEASE_LOST) and moves the task to queued, error, or deletes it.
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
-- ARGV[3] cutoff: the heartbeat must be at or before it
-- ARGV[4] execution record JSON, or "" for none
-- ARGV[5] target state ("queued" or "error"), or "" to delete
-- ARGV[6] score in the target state (queued keeps an existing score)
-- ARGV[7] "1" to PUBLISH the queue to P:activity when it enters queued
-- Returns 0 if nothing changed, 1 if the task was taken over as asked, 2 if it
-- was held behind another task of its worker's claim and never handed to run
-- (lib/lease.lua): then it goes back to queued (scored with its last heartbeat,
-- so it keeps its place ahead of newer work) with no record and no attempt
-- counted, whatever ARGV[4..6] say.
-- include: lib/forget_task.lua
-- include: lib/lease.lua
local id, queue, to_state = ARGV[1], ARGV[2], ARGV[5]
local zset_of = { queued = 5, scheduled = 6, error = 7 }
local set_of = { queued = 9, scheduled = 10, error = 11 }

local heartbeat = redis.call('ZSCORE', KEYS[4], id)
if not heartbeat or tonumber(heartbeat) > tonumber(ARGV[3]) then
  return 0
end
-- First write frees memory (see fail_task): recovery still runs on a full Redis.
-- A held mark counts only on a record that still matches this claim (its
-- score is the active one): a stale record says nothing of a re-claim.
local _, leased, mark = lease_parse(redis.call('HGET', KEYS[12], id))
local held = mark == 'h' and leased and tonumber(leased) == tonumber(heartbeat)
redis.call('ZREM', KEYS[4], id)
redis.call('HDEL', KEYS[12], id)
if held then
  redis.call('ZADD', KEYS[5], 'NX', heartbeat, id)
  redis.call('SADD', KEYS[9], queue)
  if ARGV[7] == '1' then
    redis.call('PUBLISH', KEYS[13], queue)
  end
  lease_queue_left(KEYS[4], KEYS[8], KEYS[12], queue)
  return 2
end
if ARGV[4] ~= '' then
  redis.call('RPUSH', KEYS[2], ARGV[4])
  redis.call('INCR', KEYS[3])
end
if to_state == '' then
  forget(id)
elseif to_state == 'queued' then
  redis.call('ZADD', KEYS[5], 'NX', ARGV[6], id)
  redis.call('SADD', KEYS[9], queue)
  if ARGV[7] == '1' then
    redis.call('PUBLISH', KEYS[13], queue)
  end
else
  redis.call('ZADD', KEYS[zset_of[to_state]], ARGV[6], id)
  redis.call('SADD', KEYS[set_of[to_state]], queue)
end
lease_queue_left(KEYS[4], KEYS[8], KEYS[12], queue)
return 1
