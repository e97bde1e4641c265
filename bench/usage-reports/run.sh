#!/usr/bin/env bash
# bench/usage-reports: loads usage events (default 10^7) through the rollup trigger into a fresh,
# durable embedded PostgreSQL, times the reports against raw scans, measures the hot path with and
# without rollups, and checks that every rollup equals its events.
#
#   bench/usage-reports/run.sh [--events=10000000] [--batch=100000] [--workspaces=50] [--users=400]
#                              [--models=20] [--days=365] [--threads=16] [--hot-seconds=10] [--reps=5]
#
# Run by hand, not by ./mvnw verify. Needs a JDK 21+.
set -euo pipefail
cd "$(dirname "$0")/../.."

. bench/jdk.sh

echo "building (test-compile) ..." >&2
./mvnw -q -B -ntp -DskipTests test-compile
./mvnw -q -B -ntp dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench-classpath.txt >/dev/null

data_dir="$(pwd)/target/bench-data/usage-reports-$$"
mkdir -p "$data_dir"
trap 'rm -rf "$data_dir"' EXIT

java -Xms1g -Xmx1g -XX:+UseParallelGC \
  -cp "target/test-classes:target/classes:$(cat target/bench-classpath.txt)" \
  dev.atrium.bench.UsageReportsBench --data-dir="$data_dir" "$@"
