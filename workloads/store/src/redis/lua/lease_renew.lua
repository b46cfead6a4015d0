-- Extend the lease only if it still holds the caller's value.
-- KEYS[1] lease; ARGV[1] expected value, ARGV[2] ttl ms
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
