-- Append an order batch (lib/append_orders.lua).
-- KEYS[1] order stream; ARGV[1] batch JSON, ARGV[2] max_len, ARGV[3] group
return append_orders(KEYS[1], ARGV[1], ARGV[2], ARGV[3])
