-- lib/forget_task: TaskTiger's rules for deleting a task's data once it left a
-- state with no destination (move_task step 4). Prepended to the scripts whose
-- header says "-- include: lib/forget_task.lua"; they share this KEYS layout:
-- KEYS[1] P:task:<id>, KEYS[2] P:task:<id>:executions,
-- KEYS[3] P:task:<id>:executions_count, KEYS[4..7] P:active|queued|scheduled|error:<queue>.
-- Non-unique task: delete all three keys. Unique task: the executions survive while
-- the id is in error, the payload while the id is in any state. A payload that is
-- missing or not JSON counts as non-unique.

local function is_unique(raw)
  if not raw then
    return false
  end
  local ok, value = pcall(cjson.decode, raw)
  return ok and type(value) == 'table' and value['unique'] == true
end

-- unique: true/false when the caller knows it, nil to read the payload.
local function forget(id, unique)
  if unique == nil then
    unique = is_unique(redis.call('GET', KEYS[1]))
  end
  if not unique then
    redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
    return
  end
  if not redis.call('ZSCORE', KEYS[7], id) then
    redis.call('DEL', KEYS[2], KEYS[3])
  end
  for i = 4, 7 do
    if redis.call('ZSCORE', KEYS[i], id) then
      return
    end
  end
  redis.call('DEL', KEYS[1])
end
