-- Append an order batch; when over max_len, trim only entries the group has consumed
-- (KNOWN_DEFECTS A12): everything before its oldest pending entry, or before its last-delivered
-- id when nothing is pending. Without the group nothing can ever be delivered (it is created at
-- the stream end), so a plain approximate MAXLEN applies.
-- KEYS[1] order stream; ARGV[1] batch JSON, ARGV[2] max_len, ARGV[3] group
local id = redis.call('XADD', KEYS[1], '*', 'data', ARGV[1])
local max_len = tonumber(ARGV[2])
if max_len > 0 and redis.call('XLEN', KEYS[1]) > max_len then
  local floor = nil
  for _, g in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
    local info = {}
    for i = 1, #g, 2 do
      info[g[i]] = g[i + 1]
    end
    if info['name'] == ARGV[3] then
      if info['pending'] > 0 then
        floor = redis.call('XPENDING', KEYS[1], ARGV[3])[2]
      else
        floor = info['last-delivered-id']
      end
    end
  end
  if floor then
    redis.call('XTRIM', KEYS[1], 'MINID', '~', floor)
  else
    redis.call('XTRIM', KEYS[1], 'MAXLEN', '~', max_len)
  end
end
return id
