# Sourced by the bench scripts from the repository root: picks a JDK 21+ (bench/jdk.sh), builds the
# test classes and the test classpath (skipped with BENCH_SKIP_BUILD=1 when a classpath exists), and
# makes a fresh data directory for the run's embedded PostgreSQL, removed on exit.
#   bench_prepare NAME   sets BENCH_DATA (the data directory) and BENCH_CP (the classpath; Atrium's
#                        classes from BENCH_MAIN_CLASSES when set, e.g. a saved copy of target/classes)
. bench/jdk.sh

bench_prepare() {
  if [ "${BENCH_SKIP_BUILD:-0}" != 1 ] || [ ! -f target/bench-classpath.txt ]; then
    echo "building (test-compile) ..." >&2
    ./mvnw -q -B -ntp -DskipTests test-compile
    ./mvnw -q -B -ntp dependency:build-classpath -Dmdep.includeScope=test \
      -Dmdep.outputFile=target/bench-classpath.txt >/dev/null
  fi
  BENCH_CP="target/test-classes:${BENCH_MAIN_CLASSES:-target/classes}:$(cat target/bench-classpath.txt)"
  BENCH_DATA="$(pwd)/target/bench-data/$1-$$"
  mkdir -p "$BENCH_DATA"
  trap 'rm -rf "$BENCH_DATA"' EXIT
}
