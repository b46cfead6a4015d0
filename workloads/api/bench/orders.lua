-- wrk script: bot-token POST /orders with BATCH orders per request (env BATCH, default 1),
-- valid ids on a 30-system map, for factions no human holds.
local batch = tonumber(os.getenv("BATCH") or "1")
local token = os.getenv("BOT_TOKEN") or "bench-bot-token"
local factions = { "F1", "F2", "F3", "F4", "F5" }

local orders = {}
for i = 1, batch do
  local f = factions[(i % #factions) + 1]
  orders[#orders + 1] = string.format(
    '{"faction":"%s","origin_id":%d,"target_id":%d,"reason":"bench"}', f, i % 30, (i * 7 + 1) % 30)
end

wrk.method = "POST"
wrk.body = '{"orders":[' .. table.concat(orders, ",") .. ']}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Bot-Token"] = token
