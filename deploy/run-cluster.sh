#!/usr/bin/env bash
# Starts N Atrium nodes (default 3) on one PostgreSQL behind nginx on this machine, and checks
# through the balancer that they behave as one product: sign in on the console, create a workspace,
# grant credits, call the gateway and read usage, each step served by a different node than the
# step before it.
#
#   deploy/run-cluster.sh [--nodes=3] [--database-url=jdbc:postgresql://127.0.0.1:5432/atrium_cluster]
#                         [--database-user=USER] [--database-password=PASS] [--port=8090]
#                         [--keep]   (leave the cluster running; stop it with Ctrl-C)
#
# Without --database-url it uses the machine's PostgreSQL at 127.0.0.1:5432 and (re)creates the
# database atrium_cluster there with psql. Needs nginx, curl, psql (for the default database) and a
# JDK 21+; builds target/atrium-*.jar when it is missing. Every node shares the setup token, the
# secret key and the media directory; each has its own data directory (its settlement journal).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/jdk.sh

nodes=3
database_url=""
database_user="${ATRIUM_DATABASE_USER:-}"
database_password="${ATRIUM_DATABASE_PASSWORD:-}"
port=8090
keep=false
for arg in "$@"; do
  case "$arg" in
    --nodes=*) nodes=${arg#*=} ;;
    --database-url=*) database_url=${arg#*=} ;;
    --database-user=*) database_user=${arg#*=} ;;
    --database-password=*) database_password=${arg#*=} ;;
    --port=*) port=${arg#*=} ;;
    --keep) keep=true ;;
    -h | --help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "unknown flag: $arg (see --help)" >&2; exit 2 ;;
  esac
done
[ "$nodes" -ge 2 ] || { echo "--nodes must be at least 2" >&2; exit 2; }
for tool in nginx curl; do
  command -v "$tool" >/dev/null || { echo "this script needs $tool (apt-get install -y nginx-light curl)" >&2; exit 2; }
done

if [ -z "$database_url" ]; then
  command -v psql >/dev/null || { echo "no --database-url and no psql to create one" >&2; exit 2; }
  psql -h 127.0.0.1 -d postgres -qc "DROP DATABASE IF EXISTS atrium_cluster" -c "CREATE DATABASE atrium_cluster" >/dev/null
  database_url="jdbc:postgresql://127.0.0.1:5432/atrium_cluster"
fi

jar=$(ls target/atrium-*.jar 2>/dev/null | grep -v plain | head -n 1 || true)
if [ -z "$jar" ]; then
  echo "building the server jar (./mvnw package -DskipTests) ..."
  ./mvnw -B -ntp -q package -DskipTests
  jar=$(ls target/atrium-*.jar | grep -v plain | head -n 1)
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/atrium-cluster.XXXXXX")
pids=()
cleanup() {
  [ -f "$work/nginx/nginx.pid" ] && kill "$(cat "$work/nginx/nginx.pid")" 2>/dev/null || true
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

setup_token="atr_setup_$(head -c 18 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"
secret_key=$(head -c 32 /dev/urandom | base64)
mkdir -p "$work/media" "$work/nginx"

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

node_ports=()
upstream_servers=""
for i in $(seq 0 $((nodes - 1))); do
  p=$(free_port)
  node_ports+=("$p")
  upstream_servers+="        server 127.0.0.1:$p max_fails=1 fail_timeout=5s;"$'\n'
  mkdir -p "$work/node$i"
  (
    cd "$work/node$i"
    exec env SERVER_PORT="$p" \
      ATRIUM_DATA_DIR="$work/node$i/data" \
      ATRIUM_DATABASE_URL="$database_url" \
      ATRIUM_DATABASE_USER="$database_user" \
      ATRIUM_DATABASE_PASSWORD="$database_password" \
      ATRIUM_SETUP_TOKEN="$setup_token" \
      ATRIUM_SECRET_KEY="$secret_key" \
      ATRIUM_MEDIA_DIR="$work/media" \
      ATRIUM_LOGIN_TRUSTED_PROXIES=127.0.0.1 \
      "$JAVA_HOME/bin/java" -Xmx512m -jar "$OLDPWD/$jar" >"$work/node$i/log" 2>&1
  ) &
  pids+=("$!")
done

# One worker, so that its round robin alone decides (with several, each worker keeps its own turn).
sed -e "s|@PREFIX@|$work/nginx|g" -e "s|@LISTEN@|127.0.0.1:$port|g" -e "s|^worker_processes auto;|worker_processes 1;|" \
  deploy/nginx.conf.template \
  | awk -v servers="$upstream_servers" '{ if ($0 == "@UPSTREAM_SERVERS@") printf "%s", servers; else print }' \
  >"$work/nginx/nginx.conf"

echo "starting $nodes nodes (ports ${node_ports[*]}) on $database_url ..."
for i in $(seq 0 $((nodes - 1))); do
  for _ in $(seq 1 180); do
    if curl -fsS "http://127.0.0.1:${node_ports[$i]}/actuator/health/readiness" >/dev/null 2>&1; then break; fi
    if ! kill -0 "${pids[$i]}" 2>/dev/null; then echo "node $i exited; its log:" >&2; tail -n 40 "$work/node$i/log" >&2; exit 1; fi
    sleep 1
  done
  curl -fsS "http://127.0.0.1:${node_ports[$i]}/actuator/health/readiness" >/dev/null \
    || { echo "node $i not ready after 180 s" >&2; tail -n 40 "$work/node$i/log" >&2; exit 1; }
  echo "  node $i ready on :${node_ports[$i]}"
done
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -g "error_log $work/nginx/error.log warn;"
base="http://127.0.0.1:$port"
for _ in $(seq 1 20); do curl -fsS "$base/actuator/health/readiness" >/dev/null 2>&1 && break; sleep 0.2; done
echo "nginx balancing on $base"
echo

# --- the check ---------------------------------------------------------------------------------
node_of() { # "127.0.0.1:PORT" -> node index
  local addr=${1##*:} i
  for i in "${!node_ports[@]}"; do [ "${node_ports[$i]}" = "$addr" ] && { echo "$i"; return; }; done
  echo "?"
}
last_node=""
served=()
failures=0
# step NAME EXPECTED_STATUS curl-args...: runs one request through nginx, prints which node served it.
step() {
  local name=$1 expected=$2; shift 2
  local headers="$work/headers" body="$work/body" status upstream node
  # Round robin: when the balancer would send this step to the node that served the previous step,
  # a health probe through the balancer takes that turn, so consecutive steps reach different nodes.
  for _ in $(seq 1 "$nodes"); do
    status=$(curl -sS -o "$body" -D "$headers" -w '%{http_code}' "$@" || echo 000)
    upstream=$(tr -d '\r' <"$headers" | awk -F': ' 'tolower($1)=="x-atrium-upstream" {print $2}' | tail -n 1)
    node=$(node_of "$upstream")
    [ "$node" != "$last_node" ] && break
    # The same node again: only safe requests are repeated (GET); others are reported as they are.
    case " $* " in *" -X "* | *" --data"* | *" -d "*) break ;; esac
  done
  printf '  %-44s HTTP %s  node %s\n' "$name" "$status" "$node"
  if [ "$status" != "$expected" ]; then
    echo "    expected HTTP $expected; body: $(head -c 400 "$body")" >&2
    failures=$((failures + 1))
  fi
  if [ -n "$last_node" ] && [ "$node" = "$last_node" ]; then
    echo "    served by the same node as the previous step" >&2
    failures=$((failures + 1))
  fi
  last_node=$node
  served+=("$node")
}
json() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval("d"+sys.argv[2]))' "$work/body" "$1"; }

email="owner-$(date +%s)@example.com"
password="a long cluster password"
jar_cookies="$work/cookies"

step "setup (API)" 201 -X POST "$base/api/v1/setup" -H "X-Setup-Token: $setup_token" \
  -H 'Content-Type: application/json' \
  --data "{\"email\":\"$email\",\"password\":\"$password\",\"name\":\"Owner\",\"organization_name\":\"Cluster Co\"}"
token=$(json "['token']"); org=$(json "['organization']['id']")

step "console: sign-in page" 200 -c "$jar_cookies" -b "$jar_cookies" "$base/sign-in"
csrf=$(grep -o 'name="_csrf" value="[^"]*"' "$work/body" | head -n 1 | sed 's/.*value="//; s/"$//')
step "console: sign in (form POST)" 302 -c "$jar_cookies" -b "$jar_cookies" -X POST "$base/sign-in" \
  --data-urlencode "email=$email" --data-urlencode "password=$password" --data-urlencode "_csrf=$csrf"
step "console: overview, signed in" 200 -c "$jar_cookies" -b "$jar_cookies" "$base/orgs/$org"
step "create a workspace (API)" 201 -X POST "$base/api/v1/organizations/$org/workspaces" \
  -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  --data '{"name":"Cluster client","kind":"client"}'
ws=$(json "['id']")
step "grant credits (API)" 201 -X POST "$base/api/v1/organizations/$org/credits/grants" \
  -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  --data '{"amount":"1000","kind":"promotional"}'
step "workspace key (API)" 201 -X POST "$base/api/v1/organizations/$org/workspaces/$ws/api-keys" \
  -H "Authorization: Bearer $token" -H 'Content-Type: application/json' --data '{"name":"cluster"}'
key=$(json "['key']")
step "gateway: chat completion" 200 -X POST "$base/v1/chat/completions" \
  -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
  --data '{"model":"demo/chat","messages":[{"role":"user","content":"Hello from the cluster"}]}'
# The call's settlement commits on the node that answered within milliseconds; another node's read
# sees it once committed (the node that answered waits for it before answering its own reads).
usage_credits="0"
start=$(date -u -d '-1 day' +%Y-%m-%dT00:00:00Z); end=$(date -u -d '+1 day' +%Y-%m-%dT00:00:00Z)
for _ in $(seq 1 20); do
  step "usage: the workspace's total, another node" 200 \
    "$base/api/v1/organizations/$org/usage/summary?start=$start&end=$end" -H "Authorization: Bearer $token"
  usage_credits=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(sum(float(r["total_credits"]) for r in d["data"] if r["workspace_id"]==sys.argv[2]))' "$work/body" "$ws" 2>/dev/null || echo 0)
  python3 -c "import sys; sys.exit(0 if float('$usage_credits') > 0 else 1)" && break
  sleep 0.1
done
echo "    usage total_credits through the balancer: $usage_credits"
python3 -c "import sys; sys.exit(0 if float('$usage_credits') > 0 else 1)" \
  || { echo "    the call does not show in usage" >&2; failures=$((failures + 1)); }

csrf_page() { grep -o 'name="_csrf" value="[^"]*"' "$work/body" | head -n 1 | sed 's/.*value="//; s/"$//'; }
step "console: overview, before signing out" 200 -c "$jar_cookies" -b "$jar_cookies" "$base/orgs/$org"
csrf=$(csrf_page)
step "console: sign out" 302 -c "$jar_cookies" -b "$jar_cookies" -X POST "$base/sign-out" --data-urlencode "_csrf=$csrf"
step "console: signed out on every node" 302 -c "$jar_cookies" -b "$jar_cookies" "$base/orgs/$org"
grep -qi '^location: .*/sign-in' "$work/headers" \
  || { echo "    expected a redirect to /sign-in after signing out" >&2; failures=$((failures + 1)); }

distinct=$(printf '%s\n' "${served[@]}" | sort -u | wc -l)
echo
echo "steps served by $distinct of $nodes nodes: ${served[*]}"
if [ "$failures" -ne 0 ]; then echo "cluster check FAILED ($failures problems); node logs under $work" >&2; trap - EXIT; exit 1; fi
echo "cluster check passed"
if $keep; then
  echo "cluster running on $base (Ctrl-C stops it)"
  wait
fi
