-- acquire_locks: take each free task lock for a token (redis-py Lock layout:
-- the key holds the token, with a PX TTL). Each key is taken independently; a
-- key already holding the token is renewed and counts as held.
-- KEYS[1..n] P:lockv2:<lock_id>
-- ARGV[1] token
-- ARGV[2] TTL in milliseconds (> 0)
-- Returns one integer per key: 1 if the token now holds it, 0 if another
-- token does.
local token, ttl = ARGV[1], ARGV[2]
local held = {}
for i, key in ipairs(KEYS) do
  if redis.call('SET', key, token, 'NX', 'PX', ttl) then
    held[i] = 1
  elseif redis.call('GET', key) == token then
    redis.call('PEXPIRE', key, ttl)
    held[i] = 1
  else
    held[i] = 0
  end
end
return held
