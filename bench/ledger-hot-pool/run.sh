#!/usr/bin/env bash
# bench/ledger-hot-pool: durable hold+capture pairs/s against ONE hot pool (Atrium's Ledger) and a
# naive SELECT ... FOR UPDATE baseline, in one run on a fresh embedded PostgreSQL with fsync and
# synchronous_commit on. Prints both figures, their latencies and their ratio.
#
#   bench/ledger-hot-pool/run.sh [--threads=64] [--pool-size=64] [--warmup=5] [--duration=20]
#                                [--hold=1] [--capture=0.6] [--only=atrium|naive]
#
# Run by hand, not by ./mvnw verify. Needs a JDK 21+ (found like .ci/run does).
set -euo pipefail
cd "$(dirname "$0")/../.."

. bench/common.sh
bench_prepare ledger-hot-pool

java -Xms1g -Xmx1g -XX:+UseParallelGC ${BENCH_JAVA_OPTS:-} \
  -cp "$BENCH_CP" \
  dev.atrium.bench.LedgerHotPoolBench --data-dir="$BENCH_DATA" "$@"
