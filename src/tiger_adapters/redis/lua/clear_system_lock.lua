-- clear_system_lock: resume a paused queue (remove SYSTEM_LOCK, keep the slots).
-- KEYS[1] P:qslock:<queue>
-- ARGV (none)
-- Returns the removed lock's expiry (a string), or nil when there was none.
local expiry = redis.call('ZSCORE', KEYS[1], 'SYSTEM_LOCK')
if expiry then
    redis.call('ZREM', KEYS[1], 'SYSTEM_LOCK')
end
return expiry
