-- release_locks: delete the task locks a token holds (redis-py Lock's release:
-- compare the token, then DEL). Another token's lock is never deleted.
-- KEYS[1..n] P:lockv2:<lock_id>
-- ARGV[1] token
-- Returns one integer per key: 1 if deleted, 0 if the token did not hold it.
local token = ARGV[1]
local released = {}
for i, key in ipairs(KEYS) do
  if redis.call('GET', key) == token then
    redis.call('DEL', key)
    released[i] = 1
  else
    released[i] = 0
  end
end
return released
