#!/usr/bin/env bash
# Make sure the system pieces the tests use are present: Debian's Chromium (browser tests), poppler (PDF pages) and
# HarfBuzz's subsetter (WeasyPrint embeds font subsets with it in milliseconds; its fontTools fallback takes ~0.4 s a PDF).
# Installs them with apt-get when run as root on a machine that lacks them; otherwise says what is missing.
set -u
missing=()
# The browser tests launch exactly /usr/bin/chromium (Debian's package), never a downloaded or snap browser.
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
ldconfig -p 2>/dev/null | grep -q libpango-1.0 || missing+=(libpango-1.0-0 libpangoft2-1.0-0)
ldconfig -p 2>/dev/null | grep -q libharfbuzz-subset || missing+=(libharfbuzz-subset0)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing ${missing[*]} with apt-get ..."
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}") >/tmp/tracker-apt.log 2>&1 \
    || { echo "apt-get failed; see /tmp/tracker-apt.log"; exit 1; }
  [ -x /usr/bin/chromium ] || { echo "apt-get ran but /usr/bin/chromium is still missing" >&2; exit 1; }
else
  echo "Missing system packages: ${missing[*]} (install them with apt-get as root)." >&2
  exit 1
fi
