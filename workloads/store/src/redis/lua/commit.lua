-- The fenced commit. Every check happens before the first write, so a refused commit writes
-- nothing (a Lua error after a write would leave a partial commit: Redis does not roll back).
-- KEYS: 1 lease, 2 events, 3 applied log, 4 snapshot hash, 5 state hash, 6 orders, 7 control,
--       8 universe id
-- ARGV: 1 lease value, 2 universe, 3 start_run '1'/'0', 4 event max len, 5 #events,
--       6 applied tick ('' = none), 7 applied JSON, 8 snapshot tick ('' = none), 9 snapshot JSON,
--       10 state tick ('' = none), 11 state data, 12 group, 13 #acks, 14 #status pairs,
--       then the events, the ack ids, the status field/value pairs.
-- Returns {1, acked, event ids...} | {0} fenced | {-1, last tick} stale tick | {-2, key} bad type
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return {0}
end

local expected = {'', 'stream', 'stream', 'hash', 'hash', 'stream', 'hash', 'string'}
for i = 2, 8 do
  local t = redis.call('TYPE', KEYS[i])['ok']
  if t ~= 'none' and t ~= expected[i] then
    return {-2, KEYS[i]}
  end
end

local start_run = ARGV[3] == '1'
local applied_tick = ARGV[6]
-- Decimal strings without leading zeros compare by length, then lexically (no float rounding).
local function greater(a, b)
  if #a ~= #b then
    return #a > #b
  end
  return a > b
end
if applied_tick ~= '' and not start_run and redis.call('EXISTS', KEYS[3]) == 1 then
  local info = redis.call('XINFO', 'STREAM', KEYS[3])
  for i = 1, #info, 2 do
    if info[i] == 'last-generated-id' then
      local last_tick = string.match(info[i + 1], '^(%d+)-')
      if last_tick and not greater(applied_tick, last_tick) then
        return {-1, last_tick}
      end
    end
  end
end

if start_run then
  redis.call('SET', KEYS[8], ARGV[2])
  redis.call('DEL', KEYS[3])
end

local pos = 15
local result = {1, 0}
for _ = 1, tonumber(ARGV[5]) do
  result[#result + 1] = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[4], '*', 'data', ARGV[pos])
  pos = pos + 1
end
if applied_tick ~= '' then
  redis.call('XADD', KEYS[3], applied_tick .. '-1', 'tick', applied_tick, 'data', ARGV[7])
end
if ARGV[8] ~= '' then
  redis.call('HSET', KEYS[4], 'data', ARGV[9], 'tick', ARGV[8])
end
if ARGV[10] ~= '' then
  redis.call('HSET', KEYS[5], 'universe', ARGV[2], 'tick', ARGV[10], 'data', ARGV[11])
end
local n_ack = tonumber(ARGV[13])
if n_ack > 0 then
  result[2] = redis.call('XACK', KEYS[6], ARGV[12], unpack(ARGV, pos, pos + n_ack - 1))
  pos = pos + n_ack
end
local n_status = tonumber(ARGV[14])
if n_status > 0 then
  redis.call('HSET', KEYS[7], unpack(ARGV, pos, pos + 2 * n_status - 1))
end
return result
