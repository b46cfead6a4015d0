-- The fenced commit. Every check happens before the first write, so a refused commit writes
-- nothing (a Lua error after a write would leave a partial commit: Redis does not roll back).
-- KEYS: 1 lease, 2 events, 3 applied log, 4 snapshot hash, 5 state hash, 6 orders, 7 control,
--       8 universe id, 9 legacy restart request, 10 human factions set of the commit's universe,
--       then the human factions sets of the universes whose claims are cleared, then the award
--       keys: players leaderboard, factions leaderboard, faction names, award queue.
-- ARGV: 1 lease value, 2 universe, 3 start_run '1'/'0', 4 event max len, 5 #events,
--       6 applied tick ('' = none), 7 applied JSON, 8 snapshot tick ('' = none), 9 snapshot JSON,
--       10 state tick ('' = none), 11 state data, 12 group, 13 #acks, 14 #status pairs,
--       15 consume restart request '1'/'0', 16 its expected value, 17 faction->player key prefix,
--       18 player->faction key prefix, 19 #revoked factions, 20 #cleared universes,
--       21 award '1'/'0', 22 its ended universe, 23 winning faction, 24 its name, 25 last tick,
--       26 award queue max len,
--       then the events, the ack ids, the status field/value pairs, the revoked factions and the
--       cleared universes.
-- Returns {1, acked, claims cleared, restart consumed 0/1, awarded player ('' = none), event
-- ids..., revoked players ('' = none)...} | {0} fenced | {-1, last tick} stale tick | {-2, key} bad
-- type
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return {0}
end

local n_events = tonumber(ARGV[5])
local n_ack = tonumber(ARGV[13])
local n_status = tonumber(ARGV[14])
local consume = ARGV[15] == '1'
local n_revoke = tonumber(ARGV[19])
local n_clear = tonumber(ARGV[20])
local award = ARGV[21] == '1'
local first_var = 27
local revoke_pos = first_var + n_events + n_ack + 2 * n_status
local clear_pos = revoke_pos + n_revoke
local award_keys = 10 + n_clear

local function wrong_type(key, want)
  local t = redis.call('TYPE', key)['ok']
  return t ~= 'none' and t ~= want
end

local expected = {'', 'stream', 'stream', 'hash', 'hash', 'stream', 'hash', 'string'}
for i = 2, 8 do
  if wrong_type(KEYS[i], expected[i]) then
    return {-2, KEYS[i]}
  end
end
if consume and wrong_type(KEYS[9], 'string') then
  return {-2, KEYS[9]}
end
if n_revoke > 0 and wrong_type(KEYS[10], 'set') then
  return {-2, KEYS[10]}
end
for j = 1, n_clear do
  if wrong_type(KEYS[10 + j], 'set') then
    return {-2, KEYS[10 + j]}
  end
end
if award then
  local award_types = {'zset', 'zset', 'hash', 'stream'}
  for i = 1, 4 do
    if wrong_type(KEYS[award_keys + i], award_types[i]) then
      return {-2, KEYS[award_keys + i]}
    end
  end
end

local function faction_key(universe, faction)
  return ARGV[17] .. ':' .. universe .. ':' .. faction
end
local function player_key(universe, addr)
  return ARGV[18] .. ':' .. universe .. ':' .. addr
end
-- The claim keys the writes below will read (a faction's key, and the player key it names) must
-- be strings; deleting keys cannot change that, so checking them now covers every later read.
local function bad_claim_keys(universe, faction)
  local fkey = faction_key(universe, faction)
  if wrong_type(fkey, 'string') then
    return fkey
  end
  local addr = redis.call('GET', fkey)
  if addr then
    local pkey = player_key(universe, addr)
    if wrong_type(pkey, 'string') then
      return pkey
    end
  end
  return nil
end
for i = 0, n_revoke - 1 do
  local bad = bad_claim_keys(ARGV[2], ARGV[revoke_pos + i])
  if bad then
    return {-2, bad}
  end
end
for j = 1, n_clear do
  local universe = ARGV[clear_pos + j - 1]
  for _, f in ipairs(redis.call('SMEMBERS', KEYS[10 + j])) do
    local bad = bad_claim_keys(universe, f)
    if bad then
      return {-2, bad}
    end
  end
end
if award then
  local bad = bad_claim_keys(ARGV[22], ARGV[23])
  if bad then
    return {-2, bad}
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

local pos = first_var
local result = {1, 0, 0, 0, ''}
for _ = 1, n_events do
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
if n_ack > 0 then
  result[2] = redis.call('XACK', KEYS[6], ARGV[12], unpack(ARGV, pos, pos + n_ack - 1))
  pos = pos + n_ack
end
if n_status > 0 then
  redis.call('HSET', KEYS[7], unpack(ARGV, pos, pos + 2 * n_status - 1))
end

-- The decided run's score, read from its claims before any claim removal below: a win for the
-- faction; for the player who held it, a win and an award job.
if award then
  local universe, faction, label = ARGV[22], ARGV[23], ARGV[24]
  redis.call('ZINCRBY', KEYS[award_keys + 2], 1, faction)
  redis.call('HSET', KEYS[award_keys + 3], faction, label)
  local addr = redis.call('GET', faction_key(universe, faction))
  if addr then
    redis.call('ZINCRBY', KEYS[award_keys + 1], 1, addr)
    local job = cjson.encode({
      universe_id = universe, winner = faction, winner_label = label, tick = tonumber(ARGV[25]),
      address = addr, faction = faction,
    })
    redis.call('XADD', KEYS[award_keys + 4], 'MAXLEN', '~', ARGV[26], '*', 'data', job)
    result[5] = addr
  end
end

-- Claims of eliminated factions (as claim_revoke.lua).
for i = 0, n_revoke - 1 do
  local faction = ARGV[revoke_pos + i]
  local fkey = faction_key(ARGV[2], faction)
  local addr = redis.call('GET', fkey)
  redis.call('DEL', fkey)
  redis.call('SREM', KEYS[10], faction)
  if addr then
    local pkey = player_key(ARGV[2], addr)
    if redis.call('GET', pkey) == faction then
      redis.call('DEL', pkey)
    end
  end
  result[#result + 1] = addr or ''
end
-- Every claim of a universe (as claim_clear.lua).
for j = 1, n_clear do
  local universe = ARGV[clear_pos + j - 1]
  local factions = redis.call('SMEMBERS', KEYS[10 + j])
  for _, f in ipairs(factions) do
    local fkey = faction_key(universe, f)
    local addr = redis.call('GET', fkey)
    if addr then
      local pkey = player_key(universe, addr)
      if redis.call('GET', pkey) == f then
        redis.call('DEL', pkey)
      end
      redis.call('DEL', fkey)
    end
  end
  redis.call('DEL', KEYS[10 + j])
  result[3] = result[3] + #factions
end
-- A legacy restart request acted on: compare-and-delete, so a newer request survives.
if consume and redis.call('GET', KEYS[9]) == ARGV[16] then
  redis.call('DEL', KEYS[9])
  result[4] = 1
end
return result
