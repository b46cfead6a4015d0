#!/usr/bin/env bash
# Schemathesis against the API's own /openapi.json: every documented operation is fuzzed
# (positive and negative data) and must never answer 5xx, and every response must match the
# documented schema for its status. Bounded: 30 examples per operation, 10-minute cap.
#
# Creates a venv under a temporary directory, installs schemathesis from PyPI, starts the
# `serve_memory` example (in-process store, a 30-system snapshot, bot token set, rate limits
# off) on a free port, runs schemathesis and exits non-zero on any failure.
set -euo pipefail

api_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
root="$(cd "$api_dir/../.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
work="$(mktemp -d "${TMPDIR:-/tmp}/sector-schemathesis.XXXXXX")"
server_pid=""

cleanup() {
    if [[ -n "$server_pid" ]]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

echo "schemathesis: installing into $work/venv"
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis>=4,<5"

echo "schemathesis: building the API example"
cargo build --quiet --manifest-path "$root/Cargo.toml" -p sector-api --example serve_memory

EXAMPLE_LOGIN=1 BOT_API_TOKEN=schemathesis-bot RATE_LIMIT_AUTH_PER_MINUTE=0 RATE_LIMIT_ORDERS_PER_MINUTE=0 \
    RUST_LOG=warn "$target/debug/examples/serve_memory" >"$work/server.out" 2>"$work/server.err" &
server_pid=$!

url=""
for _ in $(seq 1 200); do
    url="$(grep -o 'http://[0-9.:]*' "$work/server.out" || true)"
    [[ -n "$url" ]] && break
    if ! kill -0 "$server_pid" 2>/dev/null; then break; fi
    sleep 0.1
done
if [[ -z "$url" ]]; then
    echo "schemathesis: the API did not start" >&2
    cat "$work/server.err" >&2
    exit 1
fi
token="$(sed -n 's/^token //p' "$work/server.out")"
echo "schemathesis: API at $url"

run() {
    timeout 600 "$work/venv/bin/schemathesis" run "$url/openapi.json" \
        --checks not_a_server_error,response_schema_conformance \
        --max-examples 30 \
        --generation-database none \
        --request-timeout 10 \
        --workers 2 \
        --no-color "$@"
}

cd "$work"
status=0
echo "schemathesis: pass 1/2, anonymous and bot"
run --header "X-Bot-Token: schemathesis-bot" || status=$?
echo "schemathesis: pass 2/2, signed-in admin player (logout excluded: it would end the session)"
run --header "Authorization: Bearer $token" --exclude-path /auth/logout || status=$?

if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "schemathesis: the API process died during the run" >&2
    cat "$work/server.err" >&2
    status=1
fi
if [[ $status -ne 0 ]]; then
    echo "schemathesis: FAILED (exit $status)" >&2
else
    echo "schemathesis: passed"
fi
exit "$status"
