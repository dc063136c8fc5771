#!/usr/bin/env bash
# Installs Debian's Prometheus, Alertmanager (promtool and amtool come with them) and node_exporter when
# missing.
# Debian names the Alertmanager binary prometheus-alertmanager; tests look for either name.
# Idempotent and quiet: prints one line when it installs, nothing when all is present.
set -euo pipefail
missing=()
command -v prometheus >/dev/null && command -v promtool >/dev/null || missing+=(prometheus)
{ command -v alertmanager || command -v prometheus-alertmanager; } >/dev/null && command -v amtool >/dev/null || missing+=(prometheus-alertmanager)
# node_exporter: npm run stack starts it when present.
{ command -v node_exporter || command -v prometheus-node-exporter; } >/dev/null || missing+=(prometheus-node-exporter)
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing ${missing[*]} from Debian's packages"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian starts the packaged services; tests start their own on loopback, so stop these where systemd runs.
if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
  $SUDO systemctl disable --now prometheus prometheus-alertmanager prometheus-node-exporter >/dev/null 2>&1 || true
fi
