-- claim_tasks: move the oldest queued ids of one or more queues to active
-- (TaskTiger's worker pop, "exists-min + update_sets", for several queues in one
-- call). The queues are visited in the order given; each gives up to its own
-- limit, and never more than the call's total still allows. An id already active
-- is not claimed: it goes to scheduled at min(existing due time, busy_retry_at).
-- The visit ends once the total is claimed.
-- KEYS[1] P:queued
-- KEYS[2] P:active
-- KEYS[3] P:scheduled
-- KEYS[4] P:claim:<owner>   the owner's last claim reply, kept for a re-send
-- then 4 keys per queue i (b = 4 + 4 * (i - 1)):
-- KEYS[b+1] P:queued:<queue i>
-- KEYS[b+2] P:active:<queue i>
-- KEYS[b+3] P:scheduled:<queue i>
-- KEYS[b+4] P:owner:<queue i>   hash: id -> lease record (lib/lease.lua)
-- ARGV[1] total limit (> 0): the most ids claimed over all the queues
-- ARGV[2] now (the active score)
-- ARGV[3] owner token
-- ARGV[4] busy_retry_at
-- ARGV[5] how many of the claimed ids, in claim order, are handed to run at
--         once (mark "r"); the others are held (mark "h")
-- ARGV[6] request id, or "": a call repeating the request id of the owner's
--         last claim that took something returns that claim's answer and
--         changes nothing (a client re-sending a call whose reply was lost)
-- ARGV[7] milliseconds the answer is kept for such a re-send (a claim that
--         takes nothing deletes the key)
-- then per queue i: ARGV[6 + 2i] its name, ARGV[7 + 2i] its limit (0: skipped)
-- Returns one array per visited queue, in order: its claimed ids, oldest first.
-- Queues after the last array were not visited (the total had been reached).
-- Per queue, the ids taken leave queued with one ZREM, and the claimed ones enter
-- active and owner with one command each; one ZMSCORE tells the busy ids apart
-- (per-id ZSCOREs on a Redis older than 6.2). The limits are kept far below
-- Lua's unpack limit by the worker.
-- include: lib/lease.lua
local request = ARGV[6]
if request ~= '' then
  local kept = redis.call('GET', KEYS[4])
  if kept then
    local cut = string.find(kept, ' ', 1, true)
    if cut and string.sub(kept, 1, cut - 1) == request then
      return cjson.decode(string.sub(kept, cut + 1))
    end
  end
end
local now, owner, busy_retry_at = ARGV[2], ARGV[3], ARGV[4]
local to_run = tonumber(ARGV[5])

-- The score of each id in `key` (false when absent), in the order of `ids`.
local function scores_of(key, ids)
  local found = redis.pcall('ZMSCORE', key, unpack(ids))
  if type(found) == 'table' and not found.err then
    return found
  end
  found = {}
  for i, id in ipairs(ids) do
    found[i] = redis.call('ZSCORE', key, id)
  end
  return found
end

local function claim(b, queue, want)
  if want <= 0 then
    return {}
  end
  -- One id more than wanted tells whether the queue has some left, so that no
  -- EXISTS is needed to keep P:queued exact.
  local ids = redis.call('ZRANGE', KEYS[b + 1], 0, want)
  if #ids == 0 then
    return {}
  end
  local more = #ids > want
  if more then
    ids[#ids] = nil
  end
  redis.call('ZREM', KEYS[b + 1], unpack(ids))
  if not more then
    redis.call('SREM', KEYS[1], queue)
  end
  local running = scores_of(KEYS[b + 2], ids)
  local claimed, active, owners, busy = {}, {}, {}, false
  for i, id in ipairs(ids) do
    if running[i] then
      local due = busy_retry_at
      local existing = redis.call('ZSCORE', KEYS[b + 3], id)
      if existing and tonumber(existing) < tonumber(due) then
        due = existing
      end
      redis.call('ZADD', KEYS[b + 3], due, id)
      busy = true
    else
      claimed[#claimed + 1] = id
      active[#active + 1] = now
      active[#active + 1] = id
      local mark = 'h'
      if to_run > 0 then
        mark = 'r'
        to_run = to_run - 1
      end
      owners[#owners + 1] = id
      owners[#owners + 1] = lease_value(owner, now, mark)
    end
  end
  if #claimed > 0 then
    redis.call('ZADD', KEYS[b + 2], unpack(active))
    redis.call('HSET', KEYS[b + 4], unpack(owners))
    redis.call('SADD', KEYS[2], queue)
  end
  if busy then
    redis.call('SADD', KEYS[3], queue)
  end
  return claimed
end

local remaining = tonumber(ARGV[1])
local visited = {}
for i = 1, (#KEYS - 4) / 4 do
  if remaining <= 0 then
    break
  end
  local want = math.min(tonumber(ARGV[7 + 2 * i]), remaining)
  local claimed = claim(4 + 4 * (i - 1), ARGV[6 + 2 * i], want)
  visited[i] = claimed
  remaining = remaining - #claimed
end
if request ~= '' then
  if remaining < tonumber(ARGV[1]) then
    redis.call('SET', KEYS[4], request .. ' ' .. cjson.encode(visited), 'PX', ARGV[7])
  else
    -- Nothing taken, nothing to answer again: the owner's earlier answer, which
    -- it has received (it sent a new request), goes too.
    redis.call('DEL', KEYS[4])
  end
end
return visited
