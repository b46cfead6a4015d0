-- A player's order request in one round trip (player_orders.rs): session check, claim lookup in
-- the current universe and, if the player holds the batch's faction, the append
-- (lib/append_orders.lua).
-- KEYS[1] session key, KEYS[2] universe id key, KEYS[3] order stream, KEYS[4] (optional) the
-- player's claim key in the universe the caller believes current
-- ARGV[1] address (lower case), ARGV[2] that universe ('' = none), ARGV[3] player-faction key
-- prefix, ARGV[4] first universe id, ARGV[5] batch JSON ('' = check only), ARGV[6] the batch's
-- faction ('' = any), ARGV[7] max_len, ARGV[8] group
-- Returns the appended entry's id, or {'no_session'}, {'unclaimed'}, {'claimed', faction}.
-- (The common reply is a plain string: a table reply costs Redis about a microsecond more.)
-- One read for all three: each call out of Lua costs about as much as the command itself.
local found = redis.call('MGET', KEYS[1], KEYS[2], KEYS[4] or KEYS[1])
local owner, universe, faction = found[1], found[2], found[3]
-- Sessions written by the reference may hold the address as the wallet spelled it.
if not owner or string.lower(owner) ~= ARGV[1] then
  return { 'no_session' }
end
-- As UniverseStore::universe_id: a missing id is created as the first one.
if not universe then
  redis.call('SET', KEYS[2], ARGV[4])
  universe = ARGV[4]
end
if not KEYS[4] or universe ~= ARGV[2] then
  faction = redis.call('GET', ARGV[3] .. ':' .. universe .. ':' .. ARGV[1])
end
if not faction then
  return { 'unclaimed' }
end
if ARGV[5] == '' or (ARGV[6] ~= '' and ARGV[6] ~= faction) then
  return { 'claimed', faction }
end
return append_orders(KEYS[3], ARGV[5], ARGV[7], ARGV[8])
