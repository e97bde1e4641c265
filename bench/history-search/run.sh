#!/usr/bin/env bash
# bench/history-search: full-text search latency (p50/p99) in one workspace of 10^6 messages, with
# as many messages of another organization in the same tables, on a fresh embedded PostgreSQL.
# Prints the load average, the figures per query class and the plan of one search.
#
#   bench/history-search/run.sh [--messages=1000000] [--other-messages=1000000] [--per-class=40]
#
# Run by hand, not by ./mvnw verify. Needs a JDK 21+ (found like .ci/run does).
set -euo pipefail
cd "$(dirname "$0")/../.."

. bench/common.sh
bench_prepare history-search

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
java -Xms512m -Xmx512m -XX:+UseParallelGC \
  -cp "$BENCH_CP" \
  dev.atrium.bench.HistorySearchBench --data-dir="$BENCH_DATA" "$@"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
