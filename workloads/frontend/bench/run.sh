#!/usr/bin/env bash
# /ws fan-out under load (figures, not asserts): one `sector frontend` process (release) on a
# local redis-server, fed by `sector sim` at 10 ticks/s with `sector bot` playing every faction.
#
# MODE=lag (default): 30 systems; CLIENTS (default 2000) WebSocket clients connect, then for
# SECONDS_MEASURED (default 30) each must receive every event. Reports delivery lag
# p50/p90/p99/max and the frontend's memory per idle client. Target: p99 < 100 ms at 2,000
# clients.
#
# MODE=bytes: payload bytes each viewer receives per second while the sim ticks, for each
# protocol (original, lean = sector.lean.v1, deflate = sector.lean.deflate.v1): CLIENTS
# (default 50) viewers of each protocol, all connected at once so they measure the same
# SECONDS_MEASURED (default 20) of the game, on a map of every size in SYSTEMS (default
# "30 1000"; a fresh Redis, sim, bots and frontend per size).
#
# Needs `redis-server` and `redis-cli` (apt-get install -y redis-server).
set -euo pipefail

frontend_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
root="$(cd "$frontend_dir/../.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
mode="${MODE:-lag}"
case "$mode" in
    lag) clients="${CLIENTS:-2000}"; seconds="${SECONDS_MEASURED:-30}"; sizes="30" ;;
    bytes) clients="${CLIENTS:-50}"; seconds="${SECONDS_MEASURED:-20}"; sizes="${SYSTEMS:-30 1000}" ;;
    *) echo "bench: MODE must be lag or bytes" >&2; exit 2 ;;
esac

for tool in redis-server redis-cli python3; do
    command -v "$tool" >/dev/null || { echo "bench: $tool not found (apt-get install -y redis-server)" >&2; exit 1; }
done

work="$(mktemp -d "${TMPDIR:-/tmp}/sector-ws-bench.XXXXXX")"
pids=()
stop_stack() {
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    pids=()
}
cleanup() {
    stop_stack
    rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

echo "bench: building (release)"
cargo build --quiet --release --locked --manifest-path "$root/Cargo.toml" -p sector
cargo build --quiet --release --locked --manifest-path "$root/Cargo.toml" -p sector-frontend --example ws_load

# Starts Redis, the sim (ticking bots-only on a map of $1 systems), the bots and the frontend;
# sets redis_port, frontend_port and frontend_pid.
start_stack() {
    local systems="$1" dir="$work/$1"
    mkdir -p "$dir"
    printf '{"simulation": {"number_of_systems": %d}}\n' "$systems" >"$dir/sim.json"
    redis_port="$(free_port)"
    redis-server --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no --dir "$dir" \
        --logfile "$dir/redis.log" --maxclients 20000 &
    pids+=($!)
    for _ in $(seq 1 100); do
        redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break
        sleep 0.05
    done

    export REDIS_URL="redis://127.0.0.1:$redis_port/0" EVENT_STREAM=sector:events ORDER_STREAM=sector:orders \
        SNAPSHOT_KEY=sector:snapshot SIM_CONFIG="$dir/sim.json" RUST_LOG=warn LOG_FORMAT=pretty
    # The run starts ticking once bots-only is set (no human needs to claim).
    redis-cli -p "$redis_port" hset sector:control botsOnly 1 >/dev/null
    TICK_MS=100 SIM_HTTP_PORT=off SECTOR_SEED=bench "$target/release/sector" sim 2>"$dir/sim.err" &
    pids+=($!)
    BOT_ORDER_SINK=store "$target/release/sector" bot 2>"$dir/bot.err" &
    pids+=($!)
    frontend_port="$(free_port)"
    ulimit -n 65536 2>/dev/null || ulimit -n 16384 2>/dev/null || true
    PORT="$frontend_port" API_URL="http://127.0.0.1:9" "$target/release/sector" frontend 2>"$dir/frontend.err" &
    frontend_pid=$!
    pids+=("$frontend_pid")
    for _ in $(seq 1 200); do
        python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$frontend_port/ready')" 2>/dev/null && break
        sleep 0.05
    done
}

for systems in $sizes; do
    start_stack "$systems"
    if [ "$mode" = lag ]; then
        echo "bench: $clients clients, ${seconds}s, 10 ticks/s, $systems systems"
        "$target/release/examples/ws_load" "ws://127.0.0.1:$frontend_port/ws" "$clients" "$seconds" "$frontend_pid"
    else
        echo "bench: $systems systems, $clients viewers per protocol, ${seconds}s, 10 ticks/s"
        loads=()
        for protocol in original lean deflate; do
            "$target/release/examples/ws_load" "ws://127.0.0.1:$frontend_port/ws" "$clients" "$seconds" \
                --protocol "$protocol" >"$work/$systems/$protocol.out" 2>&1 &
            loads+=($!)
        done
        failed=0
        for load in "${loads[@]}"; do wait "$load" || failed=1; done
        for protocol in original lean deflate; do
            echo "bench: $systems systems, $protocol protocol"
            cat "$work/$systems/$protocol.out"
        done
        [ "$failed" = 0 ] || { echo "bench: a load generator failed" >&2; exit 1; }
    fi
    tick="$(redis-cli -p "$redis_port" hget sector:control tick)"
    echo "bench: sim reached tick $tick"
    stop_stack
done
