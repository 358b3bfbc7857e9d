#!/bin/sh
# The report tests open the HTML report in a real headless browser (Debian's chromium).
# Install it when missing and running as root; otherwise those tests are skipped with a reason.
if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then
    exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "journeymining: installing Debian's chromium for the report's browser test ..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
        || echo "journeymining: could not install chromium; the browser test will be skipped." >&2
    exit 0
fi
echo "journeymining: chromium is not installed (sudo apt-get install chromium); the report's browser test will be skipped." >&2
exit 0
