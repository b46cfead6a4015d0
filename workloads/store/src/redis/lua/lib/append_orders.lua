-- Shared by the scripts that append order batches (prepended to them; see scripts.rs).
-- Append an order batch; when over max_len, trim only entries the group has consumed
-- (KNOWN_DEFECTS A12): everything before its oldest pending entry, or before its last-delivered
-- id when nothing is pending. Without the group nothing can ever be delivered (it is created at
-- the stream end), so a plain approximate MAXLEN applies.
local function append_orders(stream, batch, max_len, group)
  local id = redis.call('XADD', stream, '*', 'data', batch)
  max_len = tonumber(max_len)
  if max_len > 0 and redis.call('XLEN', stream) > max_len then
    local floor = nil
    for _, g in ipairs(redis.call('XINFO', 'GROUPS', stream)) do
      local info = {}
      for i = 1, #g, 2 do
        info[g[i]] = g[i + 1]
      end
      if info['name'] == group then
        if info['pending'] > 0 then
          floor = redis.call('XPENDING', stream, group)[2]
        else
          floor = info['last-delivered-id']
        end
      end
    end
    if floor then
      redis.call('XTRIM', stream, 'MINID', '~', floor)
    else
      redis.call('XTRIM', stream, 'MAXLEN', '~', max_len)
    end
  end
  return id
end
