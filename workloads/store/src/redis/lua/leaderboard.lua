-- Both leaderboards' top entries, read in one step.
-- KEYS[1] players zset, KEYS[2] factions zset, KEYS[3] faction names hash; ARGV[1] limit
-- Returns {players {member, score, ...}, factions {member, score, ...}, names of those factions}.
local limit = tonumber(ARGV[1])

-- The top `limit` members by score, ties at the cut broken by member (ascending): everything
-- scoring above the limit-th score, then the smallest members at that score (a sorted set orders
-- equal scores by member). The caller sorts the result.
local function top(key)
  local best = redis.call('ZREVRANGE', key, 0, limit - 1, 'WITHSCORES')
  if #best == 0 then
    return {}
  end
  local cutoff = best[#best]
  local out = {}
  for i = 1, #best, 2 do
    if tonumber(best[i + 1]) > tonumber(cutoff) then
      out[#out + 1] = best[i]
      out[#out + 1] = best[i + 1]
    end
  end
  local room = limit - #out / 2
  for _, v in ipairs(redis.call('ZRANGE', key, cutoff, cutoff, 'BYSCORE', 'LIMIT', 0, room, 'WITHSCORES')) do
    out[#out + 1] = v
  end
  return out
end

local players = top(KEYS[1])
local factions = top(KEYS[2])
local names = {}
if #factions > 0 then
  local ids = {}
  for i = 1, #factions, 2 do
    ids[#ids + 1] = factions[i]
  end
  names = redis.call('HMGET', KEYS[3], unpack(ids))
end
return {players, factions, names}
