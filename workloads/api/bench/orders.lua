-- wrk script: POST /orders with BATCH orders per request (env BATCH, default 1), valid ids on a
-- 30-system map.
--   ROLE=bot (default): X-Bot-Token, orders for the factions F1..F5 in turn.
--   ROLE=player: Authorization: Bearer PLAYER_TOKEN, orders for PLAYER_FACTION (default F1).
-- Every request comes "from" the next of CLIENTS (default 4096) addresses in X-Forwarded-For,
-- as players behind the ingress do (the API runs with TRUSTED_PROXY_HOPS=1): the per-address
-- order limit then applies per simulated client, not to the one benchmark process. Both roles
-- build requests the same way, so their rates compare like for like.
local batch = tonumber(os.getenv("BATCH") or "1")
local role = os.getenv("ROLE") or "bot"
local clients = tonumber(os.getenv("CLIENTS") or "4096")

local factions
local headers = { ["Content-Type"] = "application/json" }
if role == "player" then
  factions = { os.getenv("PLAYER_FACTION") or "F1" }
  headers["Authorization"] = "Bearer " .. assert(os.getenv("PLAYER_TOKEN"), "PLAYER_TOKEN is required")
else
  factions = { "F1", "F2", "F3", "F4", "F5" }
  headers["X-Bot-Token"] = os.getenv("BOT_TOKEN") or "bench-bot-token"
end

local orders = {}
for i = 1, batch do
  local f = factions[(i % #factions) + 1]
  orders[#orders + 1] = string.format(
    '{"faction":"%s","origin_id":%d,"target_id":%d,"reason":"bench"}', f, i % 30, (i * 7 + 1) % 30)
end
local body = '{"orders":[' .. table.concat(orders, ",") .. ']}'

-- Each wrk thread has its own Lua state: threads start at different offsets.
local next_client = 0
function setup(thread)
  thread:set("next_client", math.random(0, clients - 1))
end

function request()
  next_client = (next_client + 1) % clients
  -- wrk embeds LuaJIT (Lua 5.1): no integer division operator.
  headers["X-Forwarded-For"] = string.format("10.%d.%d.%d", 64 + math.floor(next_client / 65536) % 64,
    math.floor(next_client / 256) % 256, next_client % 256)
  return wrk.format("POST", nil, headers, body)
end
