-- Atomic faction claim (KNOWN_DEFECTS A9).
-- KEYS[1] player->faction, KEYS[2] faction->player, KEYS[3] human factions set, KEYS[4] control
-- hash, KEYS[5] legacy bots-only flag; ARGV[1] address, ARGV[2] faction
local function truthy(v)
  if not v then
    return false
  end
  v = string.lower(v)
  return v == 'true' or v == '1' or v == 'yes' or v == 'on' or v == 't' or v == 'y'
end
local set_type = redis.call('TYPE', KEYS[3])['ok']
if set_type ~= 'none' and set_type ~= 'set' then
  return {'wrongtype', KEYS[3]}
end
local legacy = redis.call('GET', KEYS[5])
if truthy(redis.call('HGET', KEYS[4], 'botsOnly')) or (legacy and legacy ~= '') then
  return {'bots_only'}
end
local mine = redis.call('GET', KEYS[1])
if mine then
  if mine == ARGV[2] then
    return {'already'}
  end
  return {'other', mine}
end
if redis.call('GET', KEYS[2]) then
  return {'taken'}
end
redis.call('SET', KEYS[2], ARGV[1])
redis.call('SET', KEYS[1], ARGV[2])
redis.call('SADD', KEYS[3], ARGV[2])
return {'claimed'}
