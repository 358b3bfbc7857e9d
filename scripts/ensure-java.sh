#!/bin/sh
# Spark (the journeymining.engine "spark" engine and its tests) needs a Java runtime; it is not on PyPI.
# Install Debian's openjdk-17-jre-headless when we may (root with apt-get); otherwise say how and go
# on: the Spark tests are then skipped with that reason, everything else runs.
if command -v java >/dev/null 2>&1 || { [ -n "$JAVA_HOME" ] && [ -x "$JAVA_HOME/bin/java" ]; }; then
    exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "journeymining: no Java runtime for Spark; installing Debian's openjdk-17-jre-headless ..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null
    if command -v java >/dev/null 2>&1; then
        exit 0
    fi
    echo "journeymining: 'apt-get install openjdk-17-jre-headless' ran but 'java' is still missing; Spark tests will be skipped." >&2
    exit 0
fi
cat >&2 <<'MSG'
journeymining: no Java runtime, so the Spark engine tests will be skipped (everything else runs).
To run them, install Java 17 or 21, then run the make command again:
  Debian/Ubuntu:  sudo apt-get install openjdk-17-jre-headless
  Fedora:         sudo dnf install java-17-openjdk-headless
  macOS:          brew install openjdk@17
  conda:          conda env create -f environment.yml   (conda-forge ships openjdk)
MSG
exit 0
