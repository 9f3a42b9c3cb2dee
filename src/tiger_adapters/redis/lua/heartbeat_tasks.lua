-- heartbeat_tasks: set the heartbeat of an owner's active tasks to now.
-- KEYS[1] P:active:<queue>
-- KEYS[2] P:owner:<queue>   hash: id -> owner token
-- ARGV[1] now
-- ARGV[2] owner token
-- ARGV[3..] task ids
-- Returns the ids the owner no longer holds; those are left untouched (an id
-- that left active is never re-added).
-- Each held id is removed from active and added back with the new score: the
-- first write is a ZREM, which Redis runs even at maxmemory (noeviction), so a
-- full Redis keeps heartbeats going; a ZADD first would be refused with OOM.
local lost = {}
for i = 3, #ARGV do
  local id = ARGV[i]
  if redis.call('HGET', KEYS[2], id) == ARGV[2]
      and redis.call('ZSCORE', KEYS[1], id) then
    redis.call('ZREM', KEYS[1], id)
    redis.call('ZADD', KEYS[1], ARGV[1], id)
  else
    lost[#lost + 1] = id
  end
end
return lost
