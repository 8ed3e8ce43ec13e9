#!/usr/bin/env bash
# Builds .gpu/: what gpu/run.sh needs on a GPU machine that has no Java and no network.
#   .gpu/jre/           jlink'd Java 25 runtime (only the modules the tests use, native symbols stripped)
#   .gpu/lib/           the project's jars and runtime dependencies (no oneDNN carrier jar:
#                       the CUDA path never loads it) + junit-platform-console-standalone
#   .gpu/test-classes/  the tensor and regularizers test classes (gpu-tagged tests, step timer)
# Then checks the bundle here: its runtime and classpath run the reference-backend trainer tests
# and the CPU-emulated kernel suite, and the gpu tests report themselves skipped (no GPU here).
# Usage: bash gpu/prepare.sh        (from anywhere; needs JDK 25 and a Maven repo with the deps)
set -euo pipefail
cd "$(dirname "$0")/.."
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
[ -x "$JAVA_HOME/bin/jlink" ] || JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
J=$JAVA_HOME/bin
JUNIT_CONSOLE=org.junit.platform:junit-platform-console-standalone:1.14.4
MVN="mvn -B -ntp -q"
G=.gpu

echo "== build (tests compiled, not run)"
$MVN -o -DskipTests install -pl native-bindings,tensor,autograd,data,regularizers -am

echo "== classpath"
rm -rf "$G" && mkdir -p "$G/lib" "$G/test-classes"
$MVN -o -pl regularizers dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$PWD/$G/cp.txt" >/dev/null
# junit comes as the console standalone jar; oneDNN's 90 MB carrier jar is not needed for CUDA
tr ':' '\n' < "$G/cp.txt" | grep -v -e '/org/bytedeco/' -e '/org/junit/' -e '/org/opentest4j/' -e '/org/apiguardian/' \
    | while read -r jar; do cp "$jar" "$G/lib/"; done
cp regularizers/target/lipreg-regularizers-*.jar "$G/lib/"
rm "$G/cp.txt"
$MVN -o dependency:copy -Dartifact=$JUNIT_CONSOLE -DoutputDirectory="$PWD/$G/lib" >/dev/null 2>&1 \
    || $MVN dependency:copy -Dartifact=$JUNIT_CONSOLE -DoutputDirectory="$PWD/$G/lib" >/dev/null
cp -r tensor/target/test-classes "$G/test-classes/tensor"
cp -r regularizers/target/test-classes "$G/test-classes/regularizers"

echo "== runtime"
modules=$("$J/jdeps" --print-module-deps --ignore-missing-deps --multi-release 25 "$G"/lib/*.jar "$G"/test-classes/* 2>/dev/null)
# + jdk.zipfs: JUnit scans packages inside jars. java.desktop comes only from Jackson's optional java.beans support
modules=$(echo "$modules,java.logging,jdk.unsupported,jdk.zipfs" | tr ',' '\n' | grep -v '^java.desktop$' | sort -u | paste -sd, -)
echo "modules: $modules"
"$J/jlink" --add-modules "$modules" --strip-java-debug-attributes --strip-native-debug-symbols objcopy=/usr/bin/objcopy \
    --no-header-files --no-man-pages --compress zip-9 --output "$G/jre"
strip --strip-unneeded "$G/jre/lib/server/libjvm.so" 2>/dev/null || true

echo "== size"
du -sh "$G" "$G"/*
size=$(du -sm "$G" | cut -f1)
if [ "$size" -gt 55 ]; then echo "ERROR: $G is ${size} MiB, over the 55 MiB meant for the 64 MiB carry limit" >&2; exit 1; fi

echo "== self-check with the bundled runtime"
bash gpu/run.sh --self-check
