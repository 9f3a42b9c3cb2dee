-- heartbeat_tasks: set the heartbeat of an owner's active tasks to now.
-- KEYS[1] P:active:<queue>
-- KEYS[2] P:owner:<queue>   hash: id -> lease record (lib/lease.lua)
-- ARGV[1] now
-- ARGV[2] owner token
-- ARGV[3] "1" to also mark the tasks as handed to run, "0" to keep their mark
-- ARGV[4..] task ids
-- Returns the ids the owner no longer holds (its record names someone else, or
-- the active score is not the one its lease wrote: the id was re-claimed); those
-- are left untouched (an id that left active is never re-added).
-- Each held id is removed from active and added back with the new score: the
-- first write is a ZREM, which Redis runs even at maxmemory (noeviction), so a
-- full Redis keeps heartbeats going; a ZADD first would be refused with OOM.
-- include: lib/lease.lua
local now, owner, start = ARGV[1], ARGV[2], ARGV[3] == '1'
local lost = {}
for i = 4, #ARGV do
  local id = ARGV[i]
  local current, mark = lease_held(KEYS[2], KEYS[1], id, owner)
  if current then
    redis.call('ZREM', KEYS[1], id)
    redis.call('ZADD', KEYS[1], now, id)
    if start then
      mark = 'r'
    end
    redis.call('HSET', KEYS[2], id, lease_value(owner, now, mark))
  else
    lost[#lost + 1] = id
  end
end
return lost
