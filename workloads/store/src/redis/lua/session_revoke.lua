-- Delete one session and unindex it.
-- KEYS[1] session; ARGV[1] jti, ARGV[2] address set key prefix
local addr = redis.call('GET', KEYS[1])
if not addr then
  return 0
end
redis.call('DEL', KEYS[1])
redis.call('SREM', ARGV[2] .. addr, ARGV[1])
return 1
