-- lib/lease: the lease record of an active task, the value of its field in
-- P:owner:<queue>. Prepended to the scripts whose header says
-- "-- include: lib/lease.lua".
--
-- A record is "<owner token>|<active score>|<mark>":
--   * the owner token names the worker that claimed the task;
--   * the active score is the one that worker's claim or last heartbeat wrote
--     in P:active:<queue>. Another score there means the id was claimed again
--     by someone else (TaskTiger's requeue and claim never touch this hash), so
--     the lease is lost even though the token still matches;
--   * the mark is "r" once the task was handed to run and "h" while it waits
--     behind another task of the same claim (prefetched, or a later batch
--     group). Crash recovery puts a held task back in queued with no record.
-- A record without "|" (written by an older Tiger) is a token alone: its score
-- is not checked and it counts as started.

local function lease_parse(value)
  if not value then
    return nil, nil, nil
  end
  local token, score, mark = string.match(value, '^(.*)|([^|]*)|([rh])$')
  if not token then
    return value, nil, 'r'
  end
  return token, score, mark
end

local function lease_value(token, score, mark)
  return token .. '|' .. score .. '|' .. mark
end

-- The active score and mark of `id` when `token` holds it, else nil.
local function lease_held(owner_key, active_key, id, token)
  local holder, score, mark = lease_parse(redis.call('HGET', owner_key, id))
  if holder == nil or holder ~= token then
    return nil, nil
  end
  local current = redis.call('ZSCORE', active_key, id)
  if not current then
    return nil, nil
  end
  if score and tonumber(score) ~= tonumber(current) then
    return nil, nil
  end
  return current, mark
end

-- Mark `token`'s held task `id` as handed to run; whether `token` holds it.
local function lease_start(owner_key, active_key, id, token)
  local current, mark = lease_held(owner_key, active_key, id, token)
  if not current then
    return false
  end
  if mark ~= 'r' then
    redis.call('HSET', owner_key, id, lease_value(token, current, 'r'))
  end
  return true
end

-- After a task left P:active:<queue>: when it is empty, unlist the queue and
-- drop the queue's lease records (none can be valid any more; this also sweeps
-- records left behind by TaskTiger's recovery).
local function lease_queue_left(active_key, active_set, owner_key, queue)
  if redis.call('EXISTS', active_key) == 0 then
    redis.call('SREM', active_set, queue)
    redis.call('DEL', owner_key)
  end
end
