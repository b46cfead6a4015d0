-- A player gives up their faction. The faction key is derived from the stored claim, so it is
-- built here (fine on a standalone server, which is what Sector runs).
-- KEYS[1] player->faction, KEYS[2] human factions set; ARGV[1] address, ARGV[2] faction key prefix
local f = redis.call('GET', KEYS[1])
if not f then
  return false
end
local fkey = ARGV[2] .. f
if redis.call('GET', fkey) == ARGV[1] then
  redis.call('DEL', fkey)
  redis.call('SREM', KEYS[2], f)
end
redis.call('DEL', KEYS[1])
return f
