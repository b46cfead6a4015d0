#!/usr/bin/env bash
# A throw-away Kubernetes control plane on loopback, built from Go modules, for the operator's
# end-to-end tests and for trying the operator by hand:
#
#   scripts/cluster.sh build   build etcd, kube-apiserver, kube-controller-manager,
#                              kube-scheduler, kubectl and kwok once per version (cached)
#   scripts/cluster.sh start   build if needed, then start a single-node control plane
#                              (the Node is fake: kwok keeps it Ready and marks pods Running)
#   scripts/cluster.sh stop    stop what `start` started, by the PIDs it recorded
#   scripts/cluster.sh env     print the environment to use it: eval "$(scripts/cluster.sh env)"
#
# Versions are pinned in tools/k8s-versions.env. Binaries are cached outside the checkout in
# $SECTOR_K8S_CACHE (default ~/.cache/sector/k8s/<versions>); Go's module and build caches are
# Go's own. Nothing is downloaded except Go modules through the module proxy.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=../tools/k8s-versions.env
. "$root/tools/k8s-versions.env"
STAGING_VERSION="v0.${K8S_VERSION#v1.}"
CACHE="${SECTOR_K8S_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sector/k8s/${K8S_VERSION}-etcd${ETCD_VERSION}-kwok${KWOK_VERSION}}"
BIN="$CACHE/bin"
RUN="${SECTOR_CLUSTER_DIR:-$root/target/cluster}"
PKI="$RUN/pki"
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod

log() { printf 'cluster: %s\n' "$*" >&2; }
die() { printf 'cluster: %s\n' "$*" >&2; exit 1; }

kwok_src() { echo "$(go env GOMODCACHE)/sigs.k8s.io/kwok@${KWOK_VERSION}"; }

built() {
  [ -x "$BIN/kube-apiserver" ] && [ -x "$BIN/kube-controller-manager" ] && [ -x "$BIN/kube-scheduler" ] \
    && [ -x "$BIN/kubectl" ] && [ -x "$BIN/etcd" ] && [ -x "$BIN/kwok" ] \
    && "$BIN/kube-apiserver" --version 2>/dev/null | grep -qx "Kubernetes ${K8S_VERSION}" \
    && [ -d "$(kwok_src)/kustomize/stage" ]
}

# k8s.io/kubernetes requires its staging modules at v0.0.0 through relative replaces, which a
# dependent module ignores: a wrapper module replaces each staging module with its published
# v0.<minor>.<patch>. The list comes from kubernetes' own go.mod, so a new staging module is
# picked up without editing this script.
build_kubernetes() {
  local mod="$CACHE/src/kubernetes" gomod staging minor ldflags
  mkdir -p "$mod"
  gomod=$(cd "$mod" && go mod download -json "k8s.io/kubernetes@${K8S_VERSION}" \
    | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')
  [ -f "$gomod" ] || die "could not download k8s.io/kubernetes@${K8S_VERSION}"
  staging=$(sed -n 's#^[[:space:]]*\(k8s\.io/[A-Za-z0-9._-]*\) => \./staging/src/.*#\1#p' "$gomod" | sort -u)
  [ -n "$staging" ] || die "no staging replaces in $gomod"
  {
    printf 'module sector.invalid/k8s-tools\n\ngo 1.26\n\n'
    grep -E '^godebug ' "$gomod" || true
    printf '\nrequire k8s.io/kubernetes %s\n\nreplace (\n' "$K8S_VERSION"
    for m in $staging; do printf '\t%s => %s %s\n' "$m" "$m" "$STAGING_VERSION"; done
    printf ')\n'
  } >"$mod/go.mod"
  cat >"$mod/tools.go" <<'GO'
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
GO
  (cd "$mod" && go mod tidy)
  minor=$(echo "$K8S_VERSION" | cut -d. -f2)
  # Without the stamp /version reports v0.0.0-master, which confuses kubectl and helm.
  ldflags="-s -w -X k8s.io/component-base/version.gitVersion=${K8S_VERSION}"
  ldflags+=" -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=${minor}"
  ldflags+=" -X k8s.io/component-base/version.gitTreeState=clean"
  ldflags+=" -X k8s.io/component-base/version.buildDate=1970-01-01T00:00:00Z"
  (cd "$mod" && go build -trimpath -ldflags "$ldflags" -o "$BIN/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl)
}

# etcd's main package is its server module, whose go.mod also has relative replaces.
build_etcd() {
  local mod="$CACHE/src/etcd"
  mkdir -p "$mod"
  printf 'module sector.invalid/etcd-tools\n\ngo 1.26\n\nrequire go.etcd.io/etcd/server/v3 %s\n' "$ETCD_VERSION" >"$mod/go.mod"
  printf '//go:build tools\n\npackage tools\n\nimport _ "go.etcd.io/etcd/server/v3"\n' >"$mod/tools.go"
  (cd "$mod" && go mod tidy && go build -trimpath -ldflags "-s -w" -o "$BIN/etcd" go.etcd.io/etcd/server/v3)
}

build() {
  if built; then log "binaries for Kubernetes ${K8S_VERSION} cached in $BIN"; return; fi
  command -v go >/dev/null || die "go is needed to build the control plane"
  mkdir -p "$BIN"
  local t0=$SECONDS
  log "building Kubernetes ${K8S_VERSION}, etcd ${ETCD_VERSION}, kwok ${KWOK_VERSION} into $BIN"
  build_kubernetes
  build_etcd
  GOBIN="$BIN" go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@${KWOK_VERSION}"
  built || die "build finished but the binaries do not answer as expected"
  log "built in $((SECONDS - t0)) s"
}

# A free port below the kernel's ephemeral range (32768+), so the components' own outgoing
# connections cannot take it between choosing and binding.
free_port() {
  python3 - <<'PY'
import random, socket
for _ in range(200):
    port = random.randrange(20000, 32000)
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
    except OSError:
        continue
    finally:
        s.close()
    print(port)
    break
else:
    raise SystemExit("no free port found")
PY
}

wait_for() { # component timeout_s command...
  local name=$1 limit=$2 i=0; shift 2
  until "$@" >/dev/null 2>&1; do
    i=$((i + 1))
    if [ "$i" -ge $((limit * 4)) ]; then
      tail -n 40 "$RUN/$name.log" >&2 || true
      die "timed out after ${limit}s waiting for $name"
    fi
    sleep 0.25
  done
}

start_bg() { # name command...
  local name=$1; shift
  "$@" >"$RUN/$name.log" 2>&1 &
  echo $! >"$RUN/$name.pid"
}

gen_pki() {
  mkdir -p "$PKI"
  cat >"$PKI/openssl.cnf" <<'CNF'
[req]
distinguished_name = dn
prompt = no
[dn]
CN = placeholder
[v3_ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign,digitalSignature
subjectKeyIdentifier = hash
[v3_server]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local
[v3_client]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = clientAuth
CNF
  (
    cd "$PKI"
    openssl genrsa -out ca.key 2048 2>/dev/null
    openssl req -x509 -new -key ca.key -days 7 -subj "/CN=sector-e2e-ca" -config openssl.cnf -extensions v3_ca -out ca.crt
    leaf() { # name subject extension
      openssl genrsa -out "$1.key" 2048 2>/dev/null
      openssl req -new -key "$1.key" -subj "$2" -config openssl.cnf -out "$1.csr"
      openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 7 \
        -extfile openssl.cnf -extensions "$3" -out "$1.crt" 2>/dev/null
    }
    leaf apiserver "/CN=kube-apiserver" v3_server
    leaf admin "/O=system:masters/CN=sector-e2e-admin" v3_client
    openssl genrsa -out sa.key 2048 2>/dev/null
    openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
  )
}

write_kubeconfig() { # file
  cat >"$1" <<KC
apiVersion: v1
kind: Config
clusters:
- name: sector-e2e
  cluster:
    server: https://127.0.0.1:$API_PORT
    certificate-authority-data: $(base64 -w0 <"$PKI/ca.crt")
users:
- name: admin
  user:
    client-certificate-data: $(base64 -w0 <"$PKI/admin.crt")
    client-key-data: $(base64 -w0 <"$PKI/admin.key")
contexts:
- name: sector-e2e
  context: {cluster: sector-e2e, user: admin}
current-context: sector-e2e
KC
}

acurl() { curl -fsS --cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key" "$@"; }
api_ok() { acurl "https://127.0.0.1:$API_PORT/$1" | grep -qx ok; }
etcd_ok() { curl -fsS "http://127.0.0.1:$ETCD_PORT/health" | grep -q '"health":"true"'; }
healthz_ok() { curl -kfsS "https://127.0.0.1:$1/healthz" | grep -qx ok; }
node_ready() {
  "$BIN/kubectl" --kubeconfig "$RUN/admin.kubeconfig" get node "$1" \
    -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}' | grep -qx True
}

start() {
  build
  [ -f "$RUN/kube-apiserver.pid" ] && kill -0 "$(cat "$RUN/kube-apiserver.pid")" 2>/dev/null \
    && die "a control plane from $RUN is running: scripts/cluster.sh stop first"
  rm -rf "$RUN"
  mkdir -p "$RUN"
  local t0=$SECONDS
  # A start that fails half-way leaves nothing running.
  trap stop EXIT
  gen_pki
  ETCD_PORT=$(free_port)
  ETCD_PEER_PORT=$(free_port)
  [ "$ETCD_PEER_PORT" != "$ETCD_PORT" ] || ETCD_PEER_PORT=$(free_port)

  start_bg etcd "$BIN/etcd" --name=sector-e2e --data-dir="$RUN/etcd" \
    --listen-client-urls="http://127.0.0.1:$ETCD_PORT" --advertise-client-urls="http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster="sector-e2e=http://127.0.0.1:$ETCD_PEER_PORT" --initial-cluster-state=new \
    --unsafe-no-fsync=true --auto-compaction-retention=1 --log-level=warn
  wait_for etcd 30 etcd_ok
  API_PORT=$(free_port)

  # ServiceAccount admission is off because no kubelet mounts tokens; identities come from the
  # TokenRequest API. TaintNodesByCondition is off because no node-lifecycle controller would
  # ever lift the not-ready taint it puts on the fake Node.
  start_bg kube-apiserver "$BIN/kube-apiserver" \
    --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
    --bind-address=127.0.0.1 --secure-port="$API_PORT" --advertise-address=127.0.0.1 \
    --endpoint-reconciler-type=none \
    --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
    --client-ca-file="$PKI/ca.crt" \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
    --service-cluster-ip-range=10.0.0.0/16 --authorization-mode=RBAC --allow-privileged=true \
    --disable-admission-plugins=ServiceAccount,TaintNodesByCondition --cert-dir="$PKI"
  wait_for kube-apiserver 90 api_ok readyz
  wait_for kube-apiserver 10 api_ok livez
  write_kubeconfig "$RUN/admin.kubeconfig"
  KCM_PORT=$(free_port)

  start_bg kube-controller-manager "$BIN/kube-controller-manager" \
    --kubeconfig="$RUN/admin.kubeconfig" \
    --authentication-kubeconfig="$RUN/admin.kubeconfig" --authorization-kubeconfig="$RUN/admin.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port="$KCM_PORT" \
    --authorization-always-allow-paths=/healthz,/readyz,/livez,/metrics \
    --leader-elect=false --use-service-account-credentials=false \
    --controllers=namespace-controller,garbage-collector-controller,deployment-controller,replicaset-controller,statefulset-controller,job-controller,serviceaccount-controller,serviceaccount-token-controller,pod-garbage-collector-controller,endpointslice-controller,persistentvolume-binder-controller,persistentvolume-protection-controller,persistentvolumeclaim-protection-controller \
    --service-account-private-key-file="$PKI/sa.key" --root-ca-file="$PKI/ca.crt" --cluster-name=sector-e2e
  wait_for kube-controller-manager 60 healthz_ok "$KCM_PORT"
  SCHED_PORT=$(free_port)

  start_bg kube-scheduler "$BIN/kube-scheduler" --kubeconfig="$RUN/admin.kubeconfig" \
    --authentication-kubeconfig="$RUN/admin.kubeconfig" --authorization-kubeconfig="$RUN/admin.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port="$SCHED_PORT" \
    --authorization-always-allow-paths=/healthz,/readyz,/livez,/metrics --leader-elect=false
  wait_for kube-scheduler 60 healthz_ok "$SCHED_PORT"

  local stages
  stages="$(kwok_src)/kustomize/stage"
  start_bg kwok "$BIN/kwok" --kubeconfig="$RUN/admin.kubeconfig" \
    --config="$stages/node/fast/node-initialize.yaml,$stages/pod/fast/pod-ready.yaml,$stages/pod/fast/pod-complete.yaml,$stages/pod/fast/pod-delete.yaml" \
    --manage-all-nodes=false --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake \
    --cidr=10.244.0.0/16 --node-ip=10.0.0.2 --node-lease-duration-seconds=40
  "$BIN/kubectl" --kubeconfig "$RUN/admin.kubeconfig" apply -f - >/dev/null <<'NODE'
apiVersion: v1
kind: Node
metadata:
  name: kwok-node-0
  annotations: {kwok.x-k8s.io/node: fake, node.alpha.kubernetes.io/ttl: "0"}
  labels: {kubernetes.io/hostname: kwok-node-0, kubernetes.io/os: linux, kubernetes.io/arch: amd64, type: kwok}
status:
  allocatable: {cpu: "1000", memory: 4Ti, pods: "20000"}
  capacity: {cpu: "1000", memory: 4Ti, pods: "20000"}
NODE
  wait_for kwok 60 node_ready kwok-node-0

  cat >"$RUN/env" <<ENV
export KUBECONFIG=$RUN/admin.kubeconfig
export PATH=$BIN:\$PATH
export SECTOR_CLUSTER_API=https://127.0.0.1:$API_PORT
export SECTOR_CLUSTER_PKI=$PKI
ENV
  trap - EXIT
  log "control plane up in $((SECONDS - t0)) s: eval \"\$(scripts/cluster.sh env)\"; kubectl get nodes"
}

stop() {
  local n pid
  for n in kwok kube-scheduler kube-controller-manager kube-apiserver etcd; do
    [ -f "$RUN/$n.pid" ] || continue
    pid=$(cat "$RUN/$n.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$RUN/$n.pid"
  done
}

case "${1:-}" in
  build) build ;;
  start) start ;;
  stop) stop ;;
  env) [ -f "$RUN/env" ] || die "no control plane started from $RUN"; cat "$RUN/env" ;;
  bin-dir) echo "$BIN" ;;
  *) echo "usage: $0 build|start|stop|env|bin-dir" >&2; exit 2 ;;
esac
