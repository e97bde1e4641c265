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

. bench/jdk.sh

echo "building (test-compile) ..." >&2
./mvnw -q -B -ntp -DskipTests test-compile
./mvnw -q -B -ntp dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench-classpath.txt >/dev/null

data_dir="$(pwd)/target/bench-data/ledger-hot-pool-$$"
mkdir -p "$data_dir"
trap 'rm -rf "$data_dir"' EXIT

java -Xms1g -Xmx1g -XX:+UseParallelGC ${BENCH_JAVA_OPTS:-} \
  -cp "target/test-classes:target/classes:$(cat target/bench-classpath.txt)" \
  dev.atrium.bench.LedgerHotPoolBench --data-dir="$data_dir" "$@"
