#!/usr/bin/env bash
# bench/gateway-overhead/hop.sh: the openai provider's upstream hop alone (OpenAiProvider.chat and
# streamChat at concurrency 1, on a virtual thread), against the same nginx mock as run.sh, with
# no database, servlet container or accounting around it; and wrk straight to the mock for scale.
# Builds are run alternately (A B A B …) in fresh JVMs so that drift in the machine's load falls
# on both.
#
#   bench/gateway-overhead/hop.sh [--calls=10000] [--warmup=5000] [--rounds=2]
#       [--threads=virtual,platform] [--atrium-classes=[LABEL=]DIR,[LABEL=]DIR]
#
# --threads: the calling thread of each run (virtual as in Atrium's request handling, platform for
# comparison).
#
# BENCH_SKIP_BUILD=1 skips the build. Needs nginx (and wrk for the direct figure) and a JDK 21+.
set -euo pipefail
cd "$(dirname "$0")/../.."
. bench/common.sh

calls=10000
warmup=5000
rounds=2
threads=virtual
builds_flag=""
for arg in "$@"; do
  case "$arg" in
    --calls=*) calls=${arg#*=} ;;
    --warmup=*) warmup=${arg#*=} ;;
    --rounds=*) rounds=${arg#*=} ;;
    --threads=*) threads=${arg#*=} ;;
    --atrium-classes=*) builds_flag=${arg#*=} ;;
    *) echo "unknown flag: $arg" >&2; exit 2 ;;
  esac
done
bench_prepare upstream-hop
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
RUN_DIR="$BENCH_DATA"
mkdir -p "$RUN_DIR/nginx/tmp"
PORT=$((20000 + RANDOM % 10000))
COMPLETION='{"id":"chatcmpl-bench","object":"chat.completion","created":1700000000,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"Hello! How can I help you today?"},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":9,"total_tokens":21}}'
chunk() {
  printf 'data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini","choices":[{"index":0,"delta":%s,"finish_reason":%s}]}\\n\\n' "$1" "$2"
}
SSE="$(chunk '{"role":"assistant","content":""}' null)$(chunk '{"content":"Hello!"}' null)$(chunk '{"content":" How can I help you today?"}' null)$(chunk '{}' '"stop"')"
SSE+='data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini","choices":[],"usage":{"prompt_tokens":12,"completion_tokens":9,"total_tokens":21}}\n\n'
SSE+='data: [DONE]\n\n'
user_line=""
[ "$(id -u)" != 0 ] || user_line="user $(id -un) $(id -gn);"
cat >"$RUN_DIR/nginx/nginx.conf" <<CONF
$user_line
worker_processes 1;
pid $RUN_DIR/nginx/nginx.pid;
error_log $RUN_DIR/nginx/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $RUN_DIR/nginx/tmp/client_body;
    proxy_temp_path $RUN_DIR/nginx/tmp/proxy;
    keepalive_requests 1000000;
    keepalive_timeout 300s;
    server {
        listen 127.0.0.1:$PORT;
        location = /v1/chat/completions {
            if (\$http_accept ~* "text/event-stream") { rewrite ^ /mock-stream last; }
            default_type application/json;
            return 200 '$COMPLETION';
        }
        location = /mock-stream { internal; default_type text/event-stream; return 200 '$SSE'; }
    }
}
CONF
"$NGINX" -p "$RUN_DIR/nginx" -c "$RUN_DIR/nginx/nginx.conf" -e "$RUN_DIR/nginx/error.log" -g 'daemon off;' \
  >"$RUN_DIR/nginx/stdout.log" 2>&1 &
NGINX_PID=$!
trap 'kill $NGINX_PID 2>/dev/null || true; rm -rf "$BENCH_DATA"' EXIT
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.1; done

echo "upstream hop: nginx mock http://127.0.0.1:$PORT/v1, $calls calls (+ $warmup warm-up) per build and round, 2 cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
if command -v wrk >/dev/null; then
  lua="$RUN_DIR/post.lua"
  printf 'wrk.method = "POST"\nwrk.body = %s\nwrk.headers["Content-Type"] = "application/json"\n' \
    "'{\"model\":\"gpt-4o-mini\",\"messages\":[]}'" >"$lua"
  wrk -t1 -c1 -d5s --latency -s "$lua" "http://127.0.0.1:$PORT/v1/chat/completions" \
    | awk '/50%|90%|99%/ {printf "  wrk → nginx mock (c=1)  %s %s\n", $1, $2}'
fi
[ -n "$builds_flag" ] || builds_flag="current=${BENCH_MAIN_CLASSES:-target/classes}"
for round in $(seq "$rounds"); do
  for thread in ${threads//,/ }; do
    for spec in ${builds_flag//,/ }; do
      label=${spec%%=*}; dir=${spec#*=}; [ "$label" != "$spec" ] || label=$(basename "$dir")
      java -Xms256m -Xmx256m -XX:+UseParallelGC -cp "target/test-classes:$dir:$(cat target/bench-classpath.txt)" \
        dev.atrium.gateway.provider.openai.UpstreamHopBench \
        "http://127.0.0.1:$PORT/v1" "$label" "$calls" "$warmup" "$thread" 2>/dev/null | sed "s/^/r$round/"
    done
  done
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
