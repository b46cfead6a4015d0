-- Store a mint record only while the caller holds the run's mint lock.
-- KEYS[1] lock, KEYS[2] record; ARGV[1] holder, ARGV[2] record
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
redis.call('SET', KEYS[2], ARGV[2])
return 1
