-- release_throttle: delete a rate-limit lock, only if the caller still holds it.
-- KEYS[1] P:lockv2:<name>
-- ARGV[1] the token written when the lock was taken
-- Returns 1 if the lock was deleted, 0 if it had expired or another holds it.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
