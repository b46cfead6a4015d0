-- Remove every claim of a universe.
-- KEYS[1] human factions set; ARGV[1] faction key prefix, ARGV[2] player key prefix
local factions = redis.call('SMEMBERS', KEYS[1])
for _, f in ipairs(factions) do
  local fkey = ARGV[1] .. f
  local addr = redis.call('GET', fkey)
  if addr then
    local pkey = ARGV[2] .. addr
    if redis.call('GET', pkey) == f then
      redis.call('DEL', pkey)
    end
    redis.call('DEL', fkey)
  end
end
redis.call('DEL', KEYS[1])
return #factions
