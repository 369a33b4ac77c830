#!/usr/bin/env bash
# Check what deploy/ ships, without a cluster or a Docker engine:
#  1. render the Kubernetes manifests with kustomize (base and every overlay),
#  2. validate every rendered object (and the Secret example) against the Kubernetes schemas,
#     strictly (unknown fields are errors), for the oldest and newest versions we support,
#  3. lint the Dockerfile with hadolint,
#  4. validate the compose file with docker compose (v2 plugin, or Debian's docker-compose).
# Tools are pinned in deploy/requirements-tools.txt and installed into .venv/deploy-tools.
set -euo pipefail
cd "$(dirname "$0")/.."

K8S_VERSIONS=${K8S_VERSIONS:-"1.29.0 1.33.0"}
tools=.venv/deploy-tools
stamp=$tools/.installed-$(sha256sum deploy/requirements-tools.txt | cut -c1-16)
if [ ! -f "$stamp" ]; then
  echo "Installing deploy check tools into $tools ..."
  rm -rf "$tools"
  python_bin=$(command -v python3.11 || command -v python3)
  "$python_bin" -m venv "$tools"
  "$tools/bin/pip" install -q --disable-pip-version-check -r deploy/requirements-tools.txt
  touch "$stamp"
fi

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

echo "--- kustomize: render"
for dir in deploy/k8s/base deploy/k8s/overlays/*/; do
  name=$(basename "$dir")
  "$tools/bin/kubectl" kustomize "$dir" > "$out/$name.yaml"
  echo "$dir: $(grep -c '^kind:' "$out/$name.yaml") objects"
done

echo "--- kubernetes-validate (strict) against $K8S_VERSIONS"
for version in $K8S_VERSIONS; do
  "$tools/bin/kubernetes-validate" --strict --quiet -k "$version" "$out"/*.yaml deploy/k8s/secret.example.yaml
done
"$tools/bin/python" - "$out"/production.yaml <<'PY'
# What the schemas cannot tell: the production objects keep the probes, limits and security
# settings that the runbook relies on.
import sys
import yaml

docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
kinds = {d["kind"] for d in docs}
missing = {"Deployment", "Service", "Ingress", "HorizontalPodAutoscaler", "PodDisruptionBudget",
           "Job", "ConfigMap", "Namespace"} - kinds
assert not missing, f"production overlay lacks {missing}"
for d in docs:
    if d["kind"] not in ("Deployment", "Job"):
        continue
    spec = d["spec"]["template"]["spec"]
    assert spec["securityContext"]["runAsNonRoot"] is True, d["metadata"]["name"]
    for c in spec["containers"]:
        where = f'{d["metadata"]["name"]}/{c["name"]}'
        assert c["securityContext"]["readOnlyRootFilesystem"] is True, where
        assert c["securityContext"]["allowPrivilegeEscalation"] is False, where
        assert c["resources"]["requests"]["memory"] and c["resources"]["limits"]["memory"], where
        if d["kind"] == "Deployment":
            assert "livenessProbe" in c, where
    if d["metadata"]["name"] == "studio-web":
        c = spec["containers"][0]
        assert c["readinessProbe"]["httpGet"]["path"] == "/healthz?scope=web", "web readiness must be /healthz?scope=web"
        assert c["livenessProbe"]["httpGet"]["path"] == "/healthz/live", "web liveness must be /healthz/live"
    if d["metadata"]["name"] == "studio-worker":
        assert spec["containers"][0]["livenessProbe"]["exec"]["command"][-1] == "workers_alive"
config = next(d for d in docs if d["kind"] == "ConfigMap")["data"]
for key, value in {"DEBUG": "false", "SECURE_COOKIES": "true", "SECURE_SSL_REDIRECT": "true",
                   "REQUIRE_SECRET_KEY": "true", "Q_BROKER": "redis"}.items():
    assert config.get(key) == value, f"production {key} must be {value}, is {config.get(key)!r}"
print(f"production overlay: {len(docs)} objects keep probes, limits and security settings")
PY

echo "--- hadolint"
"$tools/bin/hadolint" deploy/Dockerfile && echo "deploy/Dockerfile: clean"

echo "--- compose"
compose_env=(SECRET_KEY=check-only POSTGRES_PASSWORD=check-only)
if docker compose version >/dev/null 2>&1; then
  env "${compose_env[@]}" docker compose -f deploy/compose.yaml config -q
elif command -v docker-compose >/dev/null 2>&1 ||
     { [ "$(id -u)" = 0 ] && { apt-get install -y -qq docker-compose >/dev/null 2>&1 ||
       { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq docker-compose >/dev/null 2>&1; }; }; }; then
  env "${compose_env[@]}" docker-compose -f deploy/compose.yaml config -q
else
  echo "no docker compose here: checking deploy/compose.yaml as YAML only"
  "$tools/bin/python" -c "import yaml; d = yaml.safe_load(open('deploy/compose.yaml')); \
assert {'postgres', 'redis', 'migrate', 'web', 'worker'} <= set(d['services'])"
fi
echo "deploy/compose.yaml: valid"
echo "deploy checks passed"
