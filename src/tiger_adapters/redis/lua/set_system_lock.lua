-- set_system_lock: pause a queue for every worker with a per-queue limit
-- (TaskTiger's set_queue_system_lock: ZADD SYSTEM_LOCK and EXPIRE).
-- KEYS[1] P:qslock:<queue>
-- ARGV[1] expiry of the pause (now + timeout)
-- ARGV[2] TTL of the whole key in seconds (timeout + 10, rounded up)
-- Returns 1.
redis.call('ZADD', KEYS[1], ARGV[1], 'SYSTEM_LOCK')
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1
