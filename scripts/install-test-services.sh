#!/usr/bin/env bash
# Installs from Debian's packages what tests start on loopback besides Prometheus: PostgreSQL and Redis
# (health checks, the receiver's PostgreSQL backend), blackbox_exporter (bench:health's baseline) and
# Chromium (the Grafana plugins' browser harness). Idempotent and quiet: one line when it installs.
# Debian starts the packaged servers; tests run their own, so the packaged ones are stopped.
set -euo pipefail
missing=()
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || missing+=(postgresql)
command -v redis-server >/dev/null || missing+=(redis-server)
{ command -v blackbox_exporter || command -v prometheus-blackbox-exporter; } >/dev/null || missing+=(prometheus-blackbox-exporter)
command -v chromium >/dev/null || missing+=(chromium)
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing ${missing[*]} from Debian's packages"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
for service in postgresql redis-server prometheus-blackbox-exporter; do
  if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
    $SUDO systemctl disable --now "$service" >/dev/null 2>&1 || true
  elif command -v service >/dev/null; then
    $SUDO service "$service" stop >/dev/null 2>&1 || true
  fi
done
