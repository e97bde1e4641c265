#!/usr/bin/env bash
# bench/gateway-overhead/inprocess.sh: the earlier, single-JVM form of this benchmark, kept for its
# in-process breakdown of a call's steps (--phases=breakdown) and its JDBC statement count
# (--count-jdbc=true). Its client and mock share Atrium's JVM, so its throughput and CPU figures
# are not comparable with run.sh's (wrk and nginx); see README.md.
#
# The latency Atrium's gateway adds to a chat completion with all accounting on. A local mock
# OpenAI-compatible upstream answers after a fixed latency; the same requests go to it directly
# and through Atrium (provider openai pointed at the mock), at concurrency 1 and open-loop at fixed
# rates (latency from each request's due time: no coordinated omission), on a fresh embedded
# PostgreSQL with fsync and synchronous_commit on. Then an in-process breakdown of where the time
# goes. Prints everything, with the load average.
#
#   bench/gateway-overhead/inprocess.sh [--latency-ms=20] [--warmup=10] [--warmup-concurrency=16]
#       [--c1-requests=1000] [--rates=50,100,250,500,1000,2000,3500,5000] [--duration=10]
#       [--stop-after=2] [--max-added-p99-ms=100] [--breakdown=500] [--tenants=1]
#       [--pool-size=20] [--timeout-s=30] [--phases=c1,breakdown,open] [--count-jdbc=false]
#
# Extra JVM options (e.g. a JFR recording) go in BENCH_JAVA_OPTS. For before/after comparisons,
# BENCH_MAIN_CLASSES=path runs Atrium's classes from a saved copy of target/classes instead, and
# BENCH_SKIP_BUILD=1 skips the build.
# Run by hand, not by ./mvnw verify. Needs a JDK 21+ (found like .ci/run does).
set -euo pipefail
cd "$(dirname "$0")/../.."

. bench/common.sh
bench_prepare gateway-overhead

# shellcheck disable=SC2086
java -Xms1g -Xmx1g -XX:+UseParallelGC ${BENCH_JAVA_OPTS:-} \
  -cp "$BENCH_CP" \
  dev.atrium.bench.GatewayOverheadBench --data-dir="$BENCH_DATA" "$@"
