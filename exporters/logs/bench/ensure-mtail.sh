#!/usr/bin/env bash
# Installs Debian's mtail for the benchmark when it is missing. Exits non-zero when it cannot.
set -euo pipefail
if command -v mtail >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=
fi
$SUDO apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq mtail >/dev/null
command -v mtail >/dev/null 2>&1
