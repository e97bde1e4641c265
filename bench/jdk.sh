# Sourced by the bench scripts: exports JAVA_HOME as the first JDK 21+ found (as .ci/run does).
java_major() {
  "$1/bin/java" -XshowSettings:properties -version 2>&1 \
    | awk -F'= ' '/java.specification.version/ {print $2; exit}' | cut -d. -f1
}
for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/* /opt/java/*; do
  [ -n "$candidate" ] && [ -x "$candidate/bin/javac" ] || continue
  major=$(java_major "$candidate" || true)
  if [ -n "$major" ] && [ "$major" -ge 21 ]; then export JAVA_HOME="$candidate"; break; fi
done
export PATH="$JAVA_HOME/bin:$PATH"
