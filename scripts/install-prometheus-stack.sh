#!/usr/bin/env bash
# Installs Debian's Prometheus and Alertmanager (promtool and amtool come with them) when missing.
# Debian names the Alertmanager binary prometheus-alertmanager; tests look for either name.
# Idempotent and quiet: prints one line when it installs, nothing when all is present.
set -euo pipefail
missing=()
command -v prometheus >/dev/null && command -v promtool >/dev/null || missing+=(prometheus)
{ command -v alertmanager || command -v prometheus-alertmanager; } >/dev/null && command -v amtool >/dev/null || missing+=(prometheus-alertmanager)
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing ${missing[*]} from Debian's packages"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian starts the packaged services; tests start their own on loopback, so stop these where systemd runs.
if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
  $SUDO systemctl disable --now prometheus prometheus-alertmanager >/dev/null 2>&1 || true
fi
