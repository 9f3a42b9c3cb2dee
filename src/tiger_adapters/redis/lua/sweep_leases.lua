-- sweep_leases: drop one page of lease records (P:owner:<queue>) that no longer
-- match an active claim: the id left active, or active holds another score than
-- the record's (the id was requeued and claimed again by a TaskTiger worker,
-- whose recovery never touches this hash). Records are otherwise removed by
-- the scripts that move a task out of active; this catches what others left.
-- KEYS[1] P:owner:<queue>
-- KEYS[2] P:active:<queue>
-- ARGV[1] HSCAN cursor ("0" to start)
-- ARGV[2] HSCAN COUNT hint
-- Returns {next cursor ("0" when the pass is complete), records dropped}.
-- include: lib/lease.lua
local page = redis.call('HSCAN', KEYS[1], ARGV[1], 'COUNT', ARGV[2])
local fields = page[2]
local dropped = 0
for i = 1, #fields, 2 do
  local id = fields[i]
  local _, score = lease_parse(fields[i + 1])
  local current = redis.call('ZSCORE', KEYS[2], id)
  if not current or (score and tonumber(score) ~= tonumber(current)) then
    redis.call('HDEL', KEYS[1], id)
    dropped = dropped + 1
  end
end
return {page[1], dropped}
