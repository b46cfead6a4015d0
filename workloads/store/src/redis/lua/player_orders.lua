-- A player's order request in one round trip (player_orders.rs): session check, claim lookup in
-- the current universe and, if the player holds the batch's faction, the append
-- (lib/append_orders.lua).
-- KEYS[1] session key, KEYS[2] universe id key, KEYS[3] order stream
-- ARGV[1] address (lower case), ARGV[2] player-faction key prefix, ARGV[3] first universe id,
-- ARGV[4] batch JSON ('' = check only), ARGV[5] the batch's faction ('' = any), ARGV[6] max_len,
-- ARGV[7] group
-- Returns {'no_session'}, {'unclaimed'}, {'claimed', faction} or {'appended', faction, id}.
local owner = redis.call('GET', KEYS[1])
-- Sessions written by the reference may hold the address as the wallet spelled it.
if not owner or string.lower(owner) ~= ARGV[1] then
  return { 'no_session' }
end
-- As UniverseStore::universe_id: a missing id is created as the first one.
local universe = redis.call('GET', KEYS[2])
if not universe then
  redis.call('SET', KEYS[2], ARGV[3])
  universe = ARGV[3]
end
local faction = redis.call('GET', ARGV[2] .. ':' .. universe .. ':' .. ARGV[1])
if not faction then
  return { 'unclaimed' }
end
if ARGV[4] == '' or (ARGV[5] ~= '' and ARGV[5] ~= faction) then
  return { 'claimed', faction }
end
return { 'appended', faction, append_orders(KEYS[3], ARGV[4], ARGV[6], ARGV[7]) }
