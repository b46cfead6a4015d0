#!/usr/bin/env bash
# The whole test suite, as CI runs it, on a fresh machine of this kind (Debian, Rust
# toolchain with cargo-nextest). Installs what the tests need, then checks formatting,
# lints, runs every test (unit, property, golden-trace conformance, store conformance on
# a real redis-server), the web UI's unit tests and a browser end-to-end game in headless
# chromium, the operator's packaging checks (helm, hadolint), schemathesis against the API's
# OpenAPI document and the conformance command over the golden traces (tests/golden). The minter's
# tests compile the award contract with solc-js and mint on a local ganache chain. The operator's
# end-to-end suite runs against a real control plane (etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler, kwok) that scripts/cluster.sh builds from Go modules,
# once per version, in the background while the Rust tests build and run.
set -euo pipefail
cd "$(dirname "$0")/.."

GOLDEN_DIR="${SECTOR_GOLDEN_DIR:-$(pwd)/tests/golden}"
export SECTOR_GOLDEN_DIR="$GOLDEN_DIR"
if [[ ! -d "$GOLDEN_DIR" ]]; then
  echo "golden traces not found at $GOLDEN_DIR (set SECTOR_GOLDEN_DIR)" >&2
  exit 2
fi

step() { printf '\n== %s\n' "$*"; }

step "toolchain"
cargo --version
if ! cargo nextest --version >/dev/null 2>&1; then
  cargo install --locked cargo-nextest
fi

step "system packages"
# Integration tests start their own redis-server on a free port (never a system service); the
# browser test drives Debian's chromium.
missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
[[ -x /usr/bin/chromium ]] || missing+=(chromium)
if ((${#missing[@]})); then
  SUDO=""
  [[ $(id -u) -eq 0 ]] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
redis-server --version
/usr/bin/chromium --version

step "control plane build (background; versions in tools/k8s-versions.env)"
mkdir -p target
go version
scripts/cluster.sh build >target/cluster-build.log 2>&1 &
cluster_build=$!

step "node packages (npm ci: playwright-core, ethers, ganache, solc, helm)"
node --version
npm ci --no-fund --no-audit --loglevel=error

step "format"
cargo fmt --all --check

step "lint"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "tests"
cargo nextest run --workspace --locked --no-fail-fast

step "operator end-to-end on a real control plane (scripts/cluster.sh)"
cargo build --quiet --locked -p sector-operator -p sector-cluster-e2e
if ! wait "$cluster_build"; then
  cat target/cluster-build.log >&2
  echo "control plane build failed" >&2
  exit 1
fi
tail -n 1 target/cluster-build.log
trap 'scripts/cluster.sh stop' EXIT
scripts/cluster.sh start
eval "$(scripts/cluster.sh env)"
target/debug/cluster-e2e
scripts/cluster.sh stop
trap - EXIT

step "web UI unit tests (node --test)"
node --test workloads/frontend/e2e/

step "browser end-to-end (sector dev in headless chromium)"
cargo build --quiet --locked -p sector
SECTOR_BIN=target/debug/sector node workloads/frontend/e2e/play.mjs

step "operator packaging (CRD copies, helm lint and template, hadolint)"
scripts/operator-checks.sh

step "API schema fuzzing (schemathesis against /openapi.json)"
workloads/api/tests/schemathesis.sh

step "conformance over $GOLDEN_DIR"
cargo run --quiet --locked -p sector -- conformance "$GOLDEN_DIR"
