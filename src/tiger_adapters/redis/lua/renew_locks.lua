-- renew_locks: reset the TTL of the task locks a token holds (redis-py Lock's
-- reacquire: compare the token, then PEXPIRE to the full TTL).
-- KEYS[1..n] P:lockv2:<lock_id>
-- ARGV[1] token
-- ARGV[2] TTL in milliseconds (> 0)
-- Returns one integer per key: 1 if renewed, 0 if the token no longer holds it
-- (expired or taken by another token; left untouched).
local token, ttl = ARGV[1], ARGV[2]
local held = {}
for i, key in ipairs(KEYS) do
  if redis.call('GET', key) == token then
    redis.call('PEXPIRE', key, ttl)
    held[i] = 1
  else
    held[i] = 0
  end
end
return held
