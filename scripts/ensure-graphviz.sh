#!/bin/sh
# Graphviz's `dot` renders every process model; it is not on PyPI.
# Install Debian's package when we may (root with apt-get); otherwise say exactly how.
if command -v dot >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "journeymining: Graphviz 'dot' not found; installing Debian's graphviz package ..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null
    if command -v dot >/dev/null 2>&1; then
        exit 0
    fi
    echo "journeymining: 'apt-get install graphviz' ran but 'dot' is still missing." >&2
    exit 1
fi
cat >&2 <<'MSG'
journeymining: Graphviz's 'dot' program is missing, and it is not on PyPI.
Install it, then run the make command again:
  Debian/Ubuntu:  sudo apt-get install graphviz
  Fedora:         sudo dnf install graphviz
  macOS:          brew install graphviz
  conda:          conda env create -f environment.yml   (conda-forge ships graphviz)
MSG
exit 1
