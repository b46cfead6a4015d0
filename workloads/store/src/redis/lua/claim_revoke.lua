-- Remove the claim on an (eliminated) faction.
-- KEYS[1] faction->player, KEYS[2] human factions set; ARGV[1] faction, ARGV[2] player key prefix
local addr = redis.call('GET', KEYS[1])
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[1])
if addr then
  local pkey = ARGV[2] .. addr
  if redis.call('GET', pkey) == ARGV[1] then
    redis.call('DEL', pkey)
  end
end
return addr
