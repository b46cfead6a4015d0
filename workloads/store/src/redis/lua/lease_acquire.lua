-- Take the lease if free; the fencing token comes from a counter that only grows.
-- KEYS[1] lease, KEYS[2] token counter; ARGV[1] holder, ARGV[2] ttl ms
if redis.call('EXISTS', KEYS[1]) == 1 then
  return false
end
local token = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], token .. ':' .. ARGV[1], 'PX', ARGV[2])
return token
