-- Create a session and index it under its address; the index lives as long as its longest session.
-- KEYS[1] session, KEYS[2] address's session set; ARGV[1] address, ARGV[2] jti, ARGV[3] ttl ms
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
redis.call('SADD', KEYS[2], ARGV[2])
if redis.call('PTTL', KEYS[2]) < tonumber(ARGV[3]) then
  redis.call('PEXPIRE', KEYS[2], ARGV[3])
end
return 1
