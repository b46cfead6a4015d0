-- Delete every session of an address; counts those still alive.
-- KEYS[1] address's session set; ARGV[1] session key prefix (with trailing ':')
local n = 0
for _, jti in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  n = n + redis.call('DEL', ARGV[1] .. jti)
end
redis.call('DEL', KEYS[1])
return n
