#!/usr/bin/env bash
# bench/usage-reports: ingests usage events (default 10^7; --events=1e8 for 10^8) for one
# organization (50 workspaces, 90 days) into a fresh, durable embedded PostgreSQL (fsync and
# synchronous_commit on), measures the ingest rate, then report latency p50/p99 over HTTP, and checks
# that every rollup equals its events. Prints the load average with each phase.
#
#   bench/usage-reports/run.sh [--events=1e7] [--batch=1000] [--writers=2] [--workspaces=50]
#                              [--users=400] [--models=20] [--days=90] [--reps=200]
#                              [--api-batches=30] [--check=true] [--explain=true]
#                              [--rollups=false: ingest without the rollup trigger, for a breakdown]
#
# Run by hand, not by ./mvnw verify. Needs a JDK 21+.
set -euo pipefail
cd "$(dirname "$0")/../.."

. bench/common.sh
bench_prepare usage-reports

java -Xms1g -Xmx1g -XX:+UseParallelGC \
  -cp "$BENCH_CP" \
  dev.atrium.bench.UsageReportsBench --data-dir="$BENCH_DATA" "$@"
