#!/usr/bin/env bash
# API throughput and latency with wrk (figures, not asserts): one API process (release
# build of the `serve_memory` example) on a local redis-server, 32 connections.
#   1. bot-token POST /orders, 1 order per request and BATCH_LARGE (default 10) per request;
#   2. player POST /orders (wallet session JWT, the claimed faction F1), 1 order per request;
#   3. GET /snapshot of a 30-system world.
# Targets: >= 15,000 accepted bot orders/s, player orders >= 85 % of the bot rate,
# >= 30,000 snapshots/s, p99 < 20 ms.
# The default rate limits stay on. Order requests come from CLIENTS (default 4096) addresses
# in X-Forwarded-For with TRUSTED_PROXY_HOPS=1, as players behind the ingress would, so the
# per-address order limit (600/min, bursts of 40) applies per simulated client (about 60
# requests each in a run, well under its allowance) instead of throttling the one wrk process.
# Needs `wrk` (apt-get install -y wrk) and `redis-server`. DURATION (default 10s),
# CONNECTIONS (32), THREADS (2, wrk threads), ROUNDS (3, bot/player order runs) can be
# overridden.
set -euo pipefail

api_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
root="$(cd "$api_dir/../.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
duration="${DURATION:-10s}"
connections="${CONNECTIONS:-32}"
threads="${THREADS:-2}"
batch_large="${BATCH_LARGE:-10}"
rounds="${ROUNDS:-3}"
token="bench-bot-token"

for tool in wrk redis-server python3; do
    command -v "$tool" >/dev/null || { echo "bench: $tool not found (apt-get install -y wrk redis-server)" >&2; exit 1; }
done

work="$(mktemp -d "${TMPDIR:-/tmp}/sector-api-bench.XXXXXX")"
redis_pid=""
api_pid=""
cleanup() {
    for pid in "$api_pid" "$redis_pid"; do
        if [[ -n "$pid" ]]; then
            kill "$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null || true
        fi
    done
    rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

echo "bench: building (release)"
cargo build --quiet --release --manifest-path "$root/Cargo.toml" -p sector-api --example serve_memory

redis_port="$(free_port)"
redis-server --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no --dir "$work" \
    --logfile "$work/redis.log" &
redis_pid=$!
for _ in $(seq 1 100); do
    redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break
    sleep 0.05
done

REDIS_URL="redis://127.0.0.1:$redis_port/0" BOT_API_TOKEN="$token" SYSTEMS=30 RUST_LOG=warn \
    EXAMPLE_LOGIN=1 TRUSTED_PROXY_HOPS=1 "$target/release/examples/serve_memory" >"$work/api.out" 2>"$work/api.err" &
api_pid=$!
url=""
for _ in $(seq 1 200); do
    url="$(grep -o 'http://[0-9.:]*' "$work/api.out" || true)"
    [[ -n "$url" ]] && break
    sleep 0.05
done
[[ -n "$url" ]] || { echo "bench: API did not start" >&2; cat "$work/api.err" >&2; exit 1; }
echo "bench: API $url, redis 127.0.0.1:$redis_port, $connections connections, $threads threads, $duration each"

# accepted SOURCE — the API's count of accepted orders from bots or humans.
accepted() {
    curl -s "$url/metrics" | awk -v want="source=\"$1\",outcome=\"accepted\"" \
        'index($1, "sector_api_orders_total{" want "}") == 1 {print $2}' | head -1
}

# wrk_run NAME BATCH SOURCE ARGS... — prints one summary line (orders/s counted for SOURCE).
wrk_run() {
    local name="$1" batch="$2" source="$3"
    shift 3
    local out="$work/run-$RANDOM.txt"
    local before after
    before="$(accepted "$source")"
    before="${before:-0}"
    wrk -t"$threads" -c"$connections" -d"$duration" --latency "$@" >"$out"
    after="$(accepted "$source")"
    after="${after:-0}"
    local rps p50 p99 non2xx secs
    rps="$(awk '/^Requests\/sec:/ {print $2}' "$out")"
    p50="$(awk '$1 == "50%" {print $2}' "$out")"
    p99="$(awk '$1 == "99%" {print $2}' "$out")"
    non2xx="$(awk '/Non-2xx or 3xx responses:/ {print $5}' "$out")"
    secs="$(awk '/requests in/ {gsub("s,", "", $4); print $4}' "$out")"
    if [[ "$batch" -gt 0 ]]; then
        local orders_per_s
        orders_per_s="$(python3 -c "print(round(($after - $before) / $secs))")"
        last_orders_per_s="$orders_per_s"
        printf '%-28s %10s req/s  %10s orders/s  p50 %8s  p99 %8s  non-2xx %s\n' \
            "$name" "$rps" "$orders_per_s" "$p50" "$p99" "${non2xx:-0}"
    else
        printf '%-28s %10s req/s  %19s  p50 %8s  p99 %8s  non-2xx %s\n' \
            "$name" "$rps" "" "$p50" "$p99" "${non2xx:-0}"
    fi
}

player_token="$(awk '$1 == "token" {print $2}' "$work/api.out")"
[[ -n "$player_token" ]] || { echo "bench: no player token" >&2; cat "$work/api.err" >&2; exit 1; }
orders_lua="$api_dir/bench/orders.lua"
export CLIENTS="${CLIENTS:-4096}" BOT_TOKEN="$token" PLAYER_TOKEN="$player_token" PLAYER_FACTION=F1

# Warm-up (connections, caches, Lua script load).
wrk -t2 -c8 -d2s "$url/snapshot" >/dev/null
BATCH=1 ROLE=bot wrk -t2 -c8 -d2s -s "$orders_lua" "$url/orders" >/dev/null
BATCH=1 ROLE=player wrk -t2 -c8 -d2s -s "$orders_lua" "$url/orders" >/dev/null

# Bot and player runs alternate ROUNDS times: on a shared 2-core VM one 10 s run can be 10 %
# off, and a drift of the machine then hits both roles alike. The ratio is of the medians.
echo
bot_rates=()
player_rates=()
for _ in $(seq 1 "$rounds"); do
    BATCH=1 ROLE=bot wrk_run "bot POST /orders (1/req)" 1 bot -s "$orders_lua" "$url/orders"
    bot_rates+=("$last_orders_per_s")
    BATCH=1 ROLE=player wrk_run "player POST /orders (1/req)" 1 human -s "$orders_lua" "$url/orders"
    player_rates+=("$last_orders_per_s")
done
BATCH="$batch_large" ROLE=bot \
    wrk_run "bot POST /orders ($batch_large/req)" "$batch_large" bot -s "$orders_lua" "$url/orders"
wrk_run "GET /snapshot (30 systems)" 0 - "$url/snapshot"
echo
python3 - "${bot_rates[*]}" "${player_rates[*]}" <<'PY'
import statistics, sys
bot = statistics.median(int(x) for x in sys.argv[1].split())
player = statistics.median(int(x) for x in sys.argv[2].split())
print(f"bench: median orders/s over {len(sys.argv[1].split())} rounds: bot {bot:.0f}, player {player:.0f}; "
      f"player/bot {player / max(bot, 1):.2f} (target >= 0.85)")
PY
echo "bench: snapshot size $(curl -s "$url/snapshot" | wc -c) bytes; raw wrk output was in $work (removed on exit)"
