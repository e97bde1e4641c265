#!/usr/bin/env bash
# bench/gateway-overhead: what Atrium's gateway adds to a chat completion, all accounting on,
# measured with wrk against three paths to the same mock upstream, in one run:
#   direct   wrk → nginx mock upstream (return 200: a fixed OpenAI chat completion, or an SSE
#            stream when the request says Accept: text/event-stream, as Atrium does for stream: true)
#   nginx    wrk → nginx proxy_pass (keep-alive upstream connections) → mock: a bare forwarder
#   Atrium   wrk → Atrium (its own JVM, provider openai → mock, embedded PostgreSQL with fsync and
#            synchronous_commit on) → mock
# At c=1 (wrk -t1 -c1: p50, p99, added = path − direct at the same percentile) and at c=64
# (wrk -t2 -c64: req/s, p99, errors, and Atrium's CPU per call from /proc: its JVM and its
# PostgreSQL), for a plain and for a streaming chat completion. See README.md.
#
#   bench/gateway-overhead/run.sh [--duration=10] [--warmup=10] [--c64-connections=64]
#       [--c64-threads=2] [--phases=c1,c64,stream] [--atrium-classes=[LABEL=]DIR,[LABEL=]DIR]
#       [--pool-size=20] [--timeout=10] [--nginx-workers=auto]
#
# --phases: c1 and c64 (non-streaming chat at c=1 / c=64), stream (streaming chat at both; or
# stream-c1, stream-c64). --atrium-classes: measure each build (a saved copy of target/classes)
# back to back against the same mock and nginx; default BENCH_MAIN_CLASSES or target/classes.
# BENCH_SKIP_BUILD=1 skips the build; BENCH_JAVA_OPTS adds options to Atrium's JVM.
# Needs wrk and nginx (installed with apt-get when missing and run as root) and a JDK 21+.
# Run by hand, not by ./mvnw verify.
set -euo pipefail
cd "$(dirname "$0")/../.."

duration=10
warmup=10
c64=64
c64_threads=2
phases=c1,c64,stream
builds_flag=""
pool_size=20
timeout=10
nginx_workers=auto
for arg in "$@"; do
  case "$arg" in
    --duration=*) duration=${arg#*=} ;;
    --warmup=*) warmup=${arg#*=} ;;
    --c64-connections=*) c64=${arg#*=} ;;
    --c64-threads=*) c64_threads=${arg#*=} ;;
    --phases=*) phases=${arg#*=} ;;
    --atrium-classes=*) builds_flag=${arg#*=} ;;
    --pool-size=*) pool_size=${arg#*=} ;;
    --timeout=*) timeout=${arg#*=} ;;
    --nginx-workers=*) nginx_workers=${arg#*=} ;;
    -h | --help)
      sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "unknown flag: $arg (see --help)" >&2
      exit 2
      ;;
  esac
done
for n in "$duration" "$warmup" "$c64" "$c64_threads" "$pool_size" "$timeout"; do
  [[ "$n" =~ ^[0-9]+$ ]] || { echo "not a whole number: $n" >&2; exit 2; }
done
[ "$duration" -ge 1 ] || { echo "--duration must be at least 1" >&2; exit 2; }
[ "$c64_threads" -le "$c64" ] || c64_threads=$c64
declare -A want=()
for p in ${phases//,/ }; do
  case "$p" in
    c1 | c64 | stream-c1 | stream-c64) want[$p]=1 ;;
    stream) want[stream-c1]=1 want[stream-c64]=1 ;;
    *) echo "unknown phase: $p (c1, c64, stream, stream-c1, stream-c64)" >&2; exit 2 ;;
  esac
done
has() { [ -n "${want[$1]:-}" ]; }

# --- tools: wrk and nginx -------------------------------------------------------------------------
find_tool() {
  command -v "$1" 2>/dev/null && return
  for d in /usr/sbin /sbin /usr/local/sbin; do [ -x "$d/$1" ] && { echo "$d/$1"; return; }; done
  true
}
WRK=$(find_tool wrk)
NGINX=$(find_tool nginx)
if [ -z "$WRK" ] || [ -z "$NGINX" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt_install() {
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null 2>&1 \
        || { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null 2>&1; }
    }
    pkgs=()
    [ -n "$WRK" ] || pkgs+=(wrk)
    if [ -n "$NGINX" ]; then
      echo "installing ${pkgs[*]} (apt-get) ..." >&2
      apt_install "${pkgs[@]}" || true
    else
      echo "installing ${pkgs[*]} nginx-light (apt-get) ..." >&2
      apt_install "${pkgs[@]}" nginx-light || apt_install "${pkgs[@]}" nginx || true
    fi
    WRK=$(find_tool wrk)
    NGINX=$(find_tool nginx)
  fi
  if [ -z "$WRK" ] || [ -z "$NGINX" ]; then
    echo "this benchmark needs wrk and nginx; install them, e.g. as root:" >&2
    echo "  apt-get install -y wrk nginx-light    (or: apt-get install -y wrk nginx)" >&2
    exit 1
  fi
fi

# --- Atrium's builds --------------------------------------------------------------------------------
labels=()
dirs=()
IFS=',' read -r -a specs <<<"${builds_flag:-${BENCH_MAIN_CLASSES:-target/classes}}"
for spec in "${specs[@]}"; do
  if [[ "$spec" == *=* ]]; then label=${spec%%=*} dir=${spec#*=}; else label=$spec dir=$spec; fi
  labels+=("$label")
  dirs+=("$dir")
done

. bench/common.sh
bench_prepare gateway-overhead # builds (unless BENCH_SKIP_BUILD=1); sets BENCH_DATA
RUN_DIR=$BENCH_DATA
DEPS=$(cat target/bench-classpath.txt)
for dir in "${dirs[@]}"; do
  [ -f "$dir/dev/atrium/AtriumApplication.class" ] || { echo "no Atrium build in $dir" >&2; exit 2; }
done
[ -f target/test-classes/dev/atrium/bench/GatewayBenchServer.class ] \
  || { echo "target/test-classes has no GatewayBenchServer: build without BENCH_SKIP_BUILD=1" >&2; exit 2; }

# --- cleanup ------------------------------------------------------------------------------------------
NGINX_PID=""
WRK_PID=""
JVM_PID=""
PM_PID=""
is_alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }
await_exit() { # PID TENTHS
  local i
  for ((i = 0; i < $2; i++)); do is_alive "$1" || return 0; sleep 0.1; done
  return 1
}
stop_atrium() {
  if is_alive "$JVM_PID"; then
    kill -TERM "$JVM_PID" 2>/dev/null || true # Spring's shutdown hook stops the embedded PostgreSQL
    await_exit "$JVM_PID" 600 || kill -KILL "$JVM_PID" 2>/dev/null || true
  fi
  [ -z "$JVM_PID" ] || wait "$JVM_PID" 2>/dev/null || true
  if is_alive "$PM_PID" && grep -q postgres "/proc/$PM_PID/comm" 2>/dev/null; then
    kill -INT "$PM_PID" 2>/dev/null || true
    await_exit "$PM_PID" 100 || kill -KILL "$PM_PID" 2>/dev/null || true
  fi
  JVM_PID=""
  PM_PID=""
}
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if is_alive "$WRK_PID"; then kill -TERM "$WRK_PID" 2>/dev/null || true; fi
  stop_atrium
  if is_alive "$NGINX_PID"; then
    kill -TERM "$NGINX_PID" 2>/dev/null || true
    await_exit "$NGINX_PID" 100 || kill -KILL "$NGINX_PID" 2>/dev/null || true
    wait "$NGINX_PID" 2>/dev/null || true
  fi
  rm -rf "$RUN_DIR"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- small helpers ------------------------------------------------------------------------------------
load1() { cut -d' ' -f1 /proc/loadavg; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
CLK_TCK=$(getconf CLK_TCK 2>/dev/null || echo 100)
# utime+stime of one process, in clock ticks.
proc_ticks() {
  { cat "/proc/$1/stat" 2>/dev/null || true; } | awk '{ s = $0; sub(/^.*\) /, "", s); split(s, f, " "); t += f[12] + f[13] } END { print t + 0 }'
}
# A process tree of depth one (the PostgreSQL postmaster and its backends, nginx's master and its
# workers): the root's utime+stime and its waited-for children's (cutime+cstime: backends that
# exited) plus each live child's utime+stime, in clock ticks.
tree_ticks() {
  { cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk -v root="$1" '{
      pid = $1; s = $0; sub(/^.*\) /, "", s); split(s, f, " ")
      if (pid == root) t += f[12] + f[13] + f[14] + f[15]; else if (f[2] == root) t += f[12] + f[13]
    } END { print t + 0 }'
}
# Milliseconds of CPU per call: TICKS REQUESTS
per_call_ms() { awk -v t="$1" -v n="$2" -v hz="$CLK_TCK" 'BEGIN { if (n > 0) printf "%.3f", t * 1000 / hz / n; else print "n/a" }'; }
free_port() { # a port nothing listens on (IPv4 or IPv6), from the ephemeral-free range 20000-29999
  local p hex
  while :; do
    p=$((20000 + RANDOM % 10000))
    hex=$(printf '%04X' "$p")
    grep -qE "^ *[0-9]+: [0-9A-F]+:$hex [0-9A-F]+:[0-9A-F]+ 0A" /proc/net/tcp /proc/net/tcp6 2>/dev/null || { echo "$p"; return; }
  done
}
await_port() { # PORT TENTHS: until something accepts connections there
  local i
  for ((i = 0; i < $2; i++)); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

# --- the mock upstream and the bare forwarder (one nginx, its own prefix) ----------------------------
mkdir -p "$RUN_DIR/nginx/tmp"
MOCK_PORT=$(free_port)
PROXY_PORT=$(free_port)
while [ "$PROXY_PORT" = "$MOCK_PORT" ]; do PROXY_PORT=$(free_port); done
user_line=""
[ "$(id -u)" != 0 ] || user_line="user $(id -un) $(id -gn);" # workers as the current user, not nobody
temp_paths=""
for t in client_body proxy fastcgi uwsgi scgi; do
  case "$t" in
    client_body | proxy) ;;
    *) ! "$NGINX" -V 2>&1 | grep -q -- "--without-http_${t}_module" || continue ;;
  esac
  temp_paths+="    ${t}_temp_path $RUN_DIR/nginx/tmp/$t;"$'\n'
done
COMPLETION='{"id":"chatcmpl-bench","object":"chat.completion","created":1700000000,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"Hello! How can I help you today?"},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":9,"total_tokens":21}}'
chunk() { # DELTA FINISH: one SSE event of a chat completion chunk
  printf 'data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini","choices":[{"index":0,"delta":%s,"finish_reason":%s}]}\\n\\n' "$1" "$2"
}
SSE="$(chunk '{"role":"assistant","content":""}' null)$(chunk '{"content":"Hello!"}' null)$(chunk '{"content":" How can I help you today?"}' null)$(chunk '{}' '"stop"')"
SSE+='data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini","choices":[],"usage":{"prompt_tokens":12,"completion_tokens":9,"total_tokens":21}}\n\n'
SSE+='data: [DONE]\n\n'
cat >"$RUN_DIR/nginx/nginx.conf" <<EOF
# Written by bench/gateway-overhead/run.sh for one run.
$user_line
worker_processes $nginx_workers;
pid $RUN_DIR/nginx/nginx.pid;
error_log $RUN_DIR/nginx/error.log warn;
events {
    worker_connections 4096;
}
http {
    access_log off;
$temp_paths
    keepalive_requests 1000000;
    keepalive_timeout 300s;

    # The mock upstream: POST /v1/chat/completions answers at once, a fixed completion; an SSE
    # stream (role, two pieces, finish, usage, [DONE]) when the caller accepts text/event-stream.
    server {
        listen 127.0.0.1:$MOCK_PORT;
        location = /v1/chat/completions {
            if (\$http_accept ~* "text/event-stream") {
                rewrite ^ /mock-stream last;
            }
            default_type application/json;
            return 200 '$COMPLETION';
        }
        location = /mock-stream {
            internal;
            default_type text/event-stream;
            add_header Cache-Control no-cache;
            return 200 '$SSE';
        }
        location / {
            return 404;
        }
    }

    # The bare forwarder: proxy_pass to the mock over kept-alive upstream connections.
    upstream mock {
        server 127.0.0.1:$MOCK_PORT;
        keepalive 256;
        keepalive_requests 1000000;
    }
    server {
        listen 127.0.0.1:$PROXY_PORT;
        location / {
            proxy_pass http://mock;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
    }
}
EOF
"$NGINX" -p "$RUN_DIR/nginx" -c "$RUN_DIR/nginx/nginx.conf" -e "$RUN_DIR/nginx/error.log" -t -q \
  || { echo "nginx rejected its configuration ($RUN_DIR/nginx/nginx.conf)" >&2; exit 1; }
"$NGINX" -p "$RUN_DIR/nginx" -c "$RUN_DIR/nginx/nginx.conf" -e "$RUN_DIR/nginx/error.log" -g 'daemon off;' \
  >"$RUN_DIR/nginx/stdout.log" 2>&1 &
NGINX_PID=$!
if ! await_port "$MOCK_PORT" 100 || ! await_port "$PROXY_PORT" 100; then
  echo "nginx did not start:" >&2
  cat "$RUN_DIR/nginx/error.log" "$RUN_DIR/nginx/stdout.log" >&2 2>/dev/null || true
  exit 1
fi

# --- wrk: scripts and results ------------------------------------------------------------------------
BODY='{"model":"gpt-4o-mini","messages":[{"role":"system","content":"You are terse."},{"role":"user","content":"Say hello in one short sentence."}],"max_tokens":64'
write_lua() { # FILE KEY STREAM(true|false)
  local body accept
  if [ "$3" = true ]; then body="$BODY,\"stream\":true}" accept="text/event-stream"; else body="$BODY}" accept="application/json"; fi
  cat >"$1" <<EOF
wrk.method = "POST"
wrk.body = '$body'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "$accept"
wrk.headers["Authorization"] = "Bearer $2"

-- Exact figures for run.sh (latencies in microseconds); wrk's own summary is printed above it.
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH requests=%d duration_us=%d p50_us=%d p99_us=%d max_us=%d socket_errors=%d non2xx=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    e.connect + e.read + e.write + e.timeout, e.status))
end
EOF
}

# wrk's output to "requests duration_us p50_us p99_us max_us socket_errors non2xx": from the BENCH
# line its done() hook prints, else from its own text (values like 812.00us, 1.25ms, 2.00s, 1.50m).
parse_wrk() {
  awk '
    function us(v,   n, u) {
      sub(/,$/, "", v); n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
      if (u == "us") return n; if (u == "ms") return n * 1e3; if (u == "s") return n * 1e6
      if (u == "m") return n * 6e7; if (u == "h") return n * 3.6e9; return -1
    }
    /^BENCH / {
      for (i = 2; i <= NF; i++) { split($i, kv, "="); b[kv[1]] = kv[2] }
      bench = 1
    }
    /^ +Latency +[0-9]/ { max = us($4) }
    /^ +50(\.000)?% / { p50 = us($2) }
    /^ +99(\.000)?% / { p99 = us($2) }
    / requests in / { req = $1; dur = us($4) }
    /Socket errors:/ { gsub(/,/, ""); sock = $4 + $6 + $8 + $10 }
    /Non-2xx or 3xx responses:/ { non2xx = $NF }
    END {
      if (bench) print b["requests"], b["duration_us"], b["p50_us"], b["p99_us"], b["max_us"], b["socket_errors"], b["non2xx"]
      else if (req != "") print req, dur, p50, p99, max, sock + 0, non2xx + 0
      else print "0 0 -1 -1 -1 0 0"
    }'
}

declare -A R=() # results: R[build|kind|conc|path|field]
# run_wrk BUILD KIND CONC PATH LUA URL THREADS CONNS SECONDS: runs wrk, stores R[…|req,rps,p50,p99,max,err,sock,non2xx]
run_wrk() {
  local k="$1|$2|$3|$4" log="$RUN_DIR/wrk-${1//[^A-Za-z0-9_.-]/_}-$2-$3-$4.log" out
  # In the background, waited for: a signal then runs the trap at once (a foreground wrk that
  # catches Ctrl-C and exits normally would make bash ignore the Ctrl-C and go on).
  "$WRK" -t"$7" -c"$8" -d"${9}s" --timeout "${timeout}s" --latency -s "$5" "$6" >"$log" 2>&1 &
  WRK_PID=$!
  wait "$WRK_PID" || echo "  (wrk exited with an error: $(tail -n 2 "$log" | tr '\n' ' '))" >&2
  WRK_PID=""
  out=$(parse_wrk <"$log")
  read -r req dur p50 p99 max sock non2xx <<<"$out"
  R[$k|req]=$req
  R[$k|rps]=$(awk -v n="$req" -v d="$dur" 'BEGIN { printf "%.1f", (d > 0 ? n * 1e6 / d : 0) }')
  R[$k|p50]=$(awk -v v="$p50" 'BEGIN { printf "%.3f", v / 1000 }')
  R[$k|p99]=$(awk -v v="$p99" 'BEGIN { printf "%.3f", v / 1000 }')
  R[$k|max]=$(awk -v v="$max" 'BEGIN { printf "%.3f", v / 1000 }')
  R[$k|sock]=$sock
  R[$k|non2xx]=$non2xx
  R[$k|err]=$((sock + non2xx))
  R[$k|load]=$(load1)
  if [ "$req" = 0 ]; then echo "  (no request completed; wrk said: $(tail -n 3 "$log" | tr '\n' ' '))" >&2; fi
}
errors_text() { # KEY
  local k=$1
  if [ "${R[$k|err]}" = 0 ]; then echo 0; else echo "${R[$k|err]} (${R[$k|sock]} socket, ${R[$k|non2xx]} non-2xx)"; fi
}
sub_ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a - b }'; }

# probe PATH-LABEL URL KEY STREAM: one request with curl (when there is one), to fail early and clearly
probe() {
  command -v curl >/dev/null || return 0
  local body accept code
  if [ "$4" = true ]; then body="$BODY,\"stream\":true}" accept="text/event-stream"; else body="$BODY}" accept="application/json"; fi
  code=$(curl -sS -o "$RUN_DIR/probe.out" -w '%{http_code}' -X POST -H "Content-Type: application/json" \
    -H "Accept: $accept" -H "Authorization: Bearer $3" --data "$body" --max-time 30 "$2" 2>&1) || true
  if [ "$code" != 200 ] || { [ "$4" = true ] && ! grep -q 'data: \[DONE\]' "$RUN_DIR/probe.out"; } \
    || { [ "$4" = false ] && ! grep -q '"usage"' "$RUN_DIR/probe.out"; }; then
    echo "probe of $1 ($2, stream=$4) failed: HTTP $code" >&2
    head -c 2000 "$RUN_DIR/probe.out" >&2 2>/dev/null || true
    echo >&2
    return 1
  fi
}

# --- Atrium -------------------------------------------------------------------------------------------
start_atrium() { # INDEX
  local i=$1 dir="$RUN_DIR/atrium-$1" waited
  mkdir -p "$dir/out"
  # shellcheck disable=SC2086
  java -Xms1g -Xmx1g -XX:+UseParallelGC ${BENCH_JAVA_OPTS:-} \
    -cp "target/test-classes:${dirs[$i]}:$DEPS" dev.atrium.bench.GatewayBenchServer \
    --data-dir="$dir/data" --out-dir="$dir/out" --upstream="http://127.0.0.1:$MOCK_PORT/v1" \
    --pool-size="$pool_size" >"$dir/atrium.log" 2>&1 &
  JVM_PID=$!
  for ((waited = 0; ; waited++)); do
    [ -f "$dir/out/ready" ] && break
    if ! is_alive "$JVM_PID" || [ "$waited" -ge 3000 ]; then
      echo "Atrium (${dirs[$i]}) did not start; the end of its log:" >&2
      tail -n 40 "$dir/atrium.log" >&2
      exit 1
    fi
    sleep 0.1
  done
  JVM_PID=$(cat "$dir/out/jvm.pid")
  PM_PID=$(cat "$dir/out/postmaster.pid")
  ATRIUM_PORT=$(cat "$dir/out/port")
  KEY=$(cat "$dir/out/key")
  STARTED_IN=$(awk -v t="$waited" 'BEGIN { printf "%.1f", t / 10 }')
}

# --- the run --------------------------------------------------------------------------------------------
c1_head() {
  printf '  %-18s %9s %9s %9s %9s %8s %10s %10s %6s\n' \
    "c=1 (-t1 -c1, ${duration} s)" "req/s" "p50 ms" "p99 ms" "max ms" "errors" "added p50" "added p99" "load"
}
c1_row() { # BUILD KIND PATH LABEL
  local k="$1|$2|c1|$3" d="$1|$2|c1|direct" a50="" a99=""
  if [ "$3" != direct ]; then a50=$(sub_ms "${R[$k|p50]}" "${R[$d|p50]}") a99=$(sub_ms "${R[$k|p99]}" "${R[$d|p99]}"); fi
  printf '  %-18s %9s %9s %9s %9s %8s %10s %10s %6s\n' \
    "$4" "${R[$k|rps]}" "${R[$k|p50]}" "${R[$k|p99]}" "${R[$k|max]}" "$(errors_text "$k")" "$a50" "$a99" "${R[$k|load]}"
}
ratio() { # BUILD KIND [short]: Atrium's added p99 / nginx's added p99 at c=1
  local b="$1|$2|c1"
  awk -v a="${R[$b|atrium|p99]}" -v n="${R[$b|nginx|p99]}" -v d="${R[$b|direct|p99]}" -v short="${3:-}" 'BEGIN {
    if (n - d >= 0.001) printf "%.0f×", (a - d) / (n - d)
    else if (short) printf "n/a"
    else printf "n/a (nginx added %.3f ms at p99: nothing to divide by)", n - d }'
}
c64_head() {
  printf '  %-18s %9s %9s %9s %9s %8s  %-44s %6s\n' \
    "c=$c64 (-t$c64_threads -c$c64, ${duration} s)" "req/s" "p50 ms" "p99 ms" "max ms" "errors" "CPU per call (ms)" "load"
}
c64_row() { # BUILD KIND PATH LABEL
  local k="$1|$2|c64|$3"
  printf '  %-18s %9s %9s %9s %9s %8s  %-44s %6s\n' \
    "$4" "${R[$k|rps]}" "${R[$k|p50]}" "${R[$k|p99]}" "${R[$k|max]}" "$(errors_text "$k")" "${R[$k|cpu]}" "${R[$k|load]}"
}
# measure BUILD KIND(chat|stream) CONC(c1|c64) PATH(direct|nginx|atrium) URL LUA
measure() {
  local b=$1 kind=$2 conc=$3 path=$4 url=$5 lua=$6 t c j0 p0 n0 j1 p1 n1 req
  if [ "$conc" = c1 ]; then t=1 c=1; else t=$c64_threads c=$c64; fi
  n0=$(tree_ticks "$NGINX_PID")
  if [ "$path" = atrium ]; then j0=$(proc_ticks "$JVM_PID") p0=$(tree_ticks "$PM_PID"); fi
  run_wrk "$b" "$kind" "$conc" "$path" "$lua" "$url" "$t" "$c" "$duration"
  n1=$(tree_ticks "$NGINX_PID")
  req=${R[$b|$kind|$conc|$path|req]}
  if [ "$path" = atrium ]; then
    j1=$(proc_ticks "$JVM_PID") p1=$(tree_ticks "$PM_PID")
    R[$b|$kind|$conc|$path|jvm]=$(per_call_ms $((j1 - j0)) "$req")
    R[$b|$kind|$conc|$path|pg]=$(per_call_ms $((p1 - p0)) "$req")
    R[$b|$kind|$conc|$path|cpu]="JVM ${R[$b|$kind|$conc|$path|jvm]} + PostgreSQL ${R[$b|$kind|$conc|$path|pg]} (mock $(per_call_ms $((n1 - n0)) "$req"))"
  elif [ "$path" = nginx ]; then
    R[$b|$kind|$conc|$path|cpu]="nginx forwarder + mock $(per_call_ms $((n1 - n0)) "$req")"
  else
    R[$b|$kind|$conc|$path|cpu]="nginx mock $(per_call_ms $((n1 - n0)) "$req")"
  fi
  # Let the last answers drain before the next path (wrk hangs up on the requests still in flight).
  if [ "$path" = atrium ] && [ "$conc" = c64 ]; then sleep 3; else sleep 1; fi
}

cores=$(nproc)
echo "gateway-overhead: $("$WRK" --version 2>&1 | head -n 1 | cut -d' ' -f1-2), $("$NGINX" -v 2>&1 | sed 's/.*: //'), $cores cores, load average $(loadavg) at start"
echo "  mock upstream   http://127.0.0.1:$MOCK_PORT/v1/chat/completions (nginx return 200; SSE when Accept: text/event-stream)"
echo "  nginx forwarder http://127.0.0.1:$PROXY_PORT/v1/chat/completions (proxy_pass, upstream keepalive 256, HTTP/1.1)"
echo "  wrk timeout ${timeout} s; CPU from /proc (utime+stime, $CLK_TCK ticks/s) over each c=$c64 run ÷ completed requests"
probe "the mock" "http://127.0.0.1:$MOCK_PORT/v1/chat/completions" none false
probe "the mock (stream)" "http://127.0.0.1:$MOCK_PORT/v1/chat/completions" none true
probe "nginx" "http://127.0.0.1:$PROXY_PORT/v1/chat/completions" none false
probe "nginx (stream)" "http://127.0.0.1:$PROXY_PORT/v1/chat/completions" none true

for i in "${!dirs[@]}"; do
  b=${labels[$i]}
  echo
  echo "=== Atrium build '$b' (classes from ${dirs[$i]}) ==="
  start_atrium "$i"
  echo "  started in $STARTED_IN s on http://127.0.0.1:$ATRIUM_PORT, JVM pid $JVM_PID, PostgreSQL postmaster pid $PM_PID"
  sed "s|$(pwd)/||g; s/^/  /" "$RUN_DIR/atrium-$i/out/info"
  echo "  JVM options: -Xms1g -Xmx1g -XX:+UseParallelGC ${BENCH_JAVA_OPTS:-}"
  chat_lua="$RUN_DIR/chat-$i.lua"
  stream_lua="$RUN_DIR/stream-$i.lua"
  write_lua "$chat_lua" "$KEY" false
  write_lua "$stream_lua" "$KEY" true
  atrium_url="http://127.0.0.1:$ATRIUM_PORT/v1/chat/completions"
  probe "Atrium" "$atrium_url" "$KEY" false
  probe "Atrium (stream)" "$atrium_url" "$KEY" true

  if [ "$warmup" -gt 0 ]; then
    run_wrk "$b" warm chat atrium "$chat_lua" "$atrium_url" 2 16 "$warmup"
    line="  warm-up through Atrium, c=16: ${warmup} s chat ${R[$b|warm|chat|atrium|req]} requests (${R[$b|warm|chat|atrium|rps]}/s, errors $(errors_text "$b|warm|chat|atrium"))"
    if has stream-c1 || has stream-c64; then
      sw=$(((warmup + 1) / 2))
      run_wrk "$b" warm stream atrium "$stream_lua" "$atrium_url" 2 16 "$sw"
      line+=", ${sw} s streaming ${R[$b|warm|stream|atrium|req]} (${R[$b|warm|stream|atrium|rps]}/s, errors $(errors_text "$b|warm|stream|atrium"))"
    fi
    echo "$line; load $(loadavg)"
    sleep 2
  fi

  for kind in chat stream; do
    if [ "$kind" = chat ]; then
      lua=$chat_lua c1p=c1 c64p=c64
      has c1 || has c64 || continue
      echo
      echo "  chat completion (non-streaming)"
    else
      lua=$stream_lua c1p=stream-c1 c64p=stream-c64
      has stream-c1 || has stream-c64 || continue
      echo
      echo "  streaming chat completion (stream: true, SSE)"
    fi
    if has "$c1p"; then
      for path in direct nginx atrium; do
        case $path in
          direct) url="http://127.0.0.1:$MOCK_PORT/v1/chat/completions" ;;
          nginx) url="http://127.0.0.1:$PROXY_PORT/v1/chat/completions" ;;
          atrium) url=$atrium_url ;;
        esac
        measure "$b" "$kind" c1 "$path" "$url" "$lua"
      done
      c1_head
      c1_row "$b" "$kind" direct "direct to mock"
      c1_row "$b" "$kind" nginx "nginx proxy_pass"
      c1_row "$b" "$kind" atrium "Atrium"
      echo "  → Atrium added p50 $(sub_ms "${R[$b|$kind|c1|atrium|p50]}" "${R[$b|$kind|c1|direct|p50]}") ms," \
        "p99 $(sub_ms "${R[$b|$kind|c1|atrium|p99]}" "${R[$b|$kind|c1|direct|p99]}") ms;" \
        "Atrium's added p99 / nginx's added p99: $(ratio "$b" "$kind")"
    fi
    if has "$c64p"; then
      for path in direct nginx atrium; do
        case $path in
          direct) url="http://127.0.0.1:$MOCK_PORT/v1/chat/completions" ;;
          nginx) url="http://127.0.0.1:$PROXY_PORT/v1/chat/completions" ;;
          atrium) url=$atrium_url ;;
        esac
        measure "$b" "$kind" c64 "$path" "$url" "$lua"
      done
      c64_head
      c64_row "$b" "$kind" direct "direct to mock"
      c64_row "$b" "$kind" nginx "nginx proxy_pass"
      c64_row "$b" "$kind" atrium "Atrium"
      echo "  → Atrium CPU per call at c=$c64: JVM ${R[$b|$kind|c64|atrium|jvm]} ms, PostgreSQL ${R[$b|$kind|c64|atrium|pg]} ms" \
        "(postmaster and its backends); load average $(loadavg), $cores cores"
    fi
  done
  stop_atrium
done

# --- summary ---------------------------------------------------------------------------------------------
echo
echo "summary (ms; added = Atrium − direct at the same percentile; ×nginx = Atrium's added p99 / nginx's; load average now $(loadavg), $cores cores)"
printf '  %-14s %-7s %11s %11s %14s %10s %9s %8s %9s %9s\n' \
  build chat "c1 add p50" "c1 add p99" "×nginx p99" "c64 req/s" "c64 p99" errors "JVM/call" "PG/call"
for i in "${!dirs[@]}"; do
  b=${labels[$i]}
  for kind in chat stream; do
    if [ "$kind" = chat ]; then c1p=c1 c64p=c64; else c1p=stream-c1 c64p=stream-c64; fi
    has "$c1p" || has "$c64p" || continue
    a50="-" a99="-" x="-" rps="-" p99="-" err="-" jvm="-" pg="-"
    if has "$c1p"; then
      a50=$(sub_ms "${R[$b|$kind|c1|atrium|p50]}" "${R[$b|$kind|c1|direct|p50]}")
      a99=$(sub_ms "${R[$b|$kind|c1|atrium|p99]}" "${R[$b|$kind|c1|direct|p99]}")
      x=$(ratio "$b" "$kind" short)
    fi
    if has "$c64p"; then
      k="$b|$kind|c64|atrium"
      rps=${R[$k|rps]} p99=${R[$k|p99]} err=${R[$k|err]} jvm=${R[$k|jvm]} pg=${R[$k|pg]}
    fi
    printf '  %-14s %-7s %11s %11s %14s %10s %9s %8s %9s %9s\n' "$b" "$kind" "$a50" "$a99" "$x" "$rps" "$p99" "$err" "$jvm" "$pg"
  done
done
