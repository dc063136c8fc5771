#!/usr/bin/env bash
# Installs from Debian's packages what tests start on loopback besides Prometheus: PostgreSQL and Redis
# (health checks, the receiver's PostgreSQL backend), blackbox_exporter (bench:health's baseline) and
# Chromium (the Grafana plugins' browser harness). Idempotent and quiet: one line when it installs.
set -euo pipefail
source "$(dirname "$0")/apt-install.sh"
missing=()
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || missing+=(postgresql)
command -v redis-server >/dev/null || missing+=(redis-server)
{ command -v blackbox_exporter || command -v prometheus-blackbox-exporter; } >/dev/null || missing+=(prometheus-blackbox-exporter)
command -v chromium >/dev/null || missing+=(chromium)
# logrotate: the log exporter's rotation tests run it in every mode (Debian puts it in /usr/sbin).
{ command -v logrotate || [ -x /usr/sbin/logrotate ]; } >/dev/null || missing+=(logrotate)
apt_install "${missing[@]}" -- postgresql redis-server prometheus-blackbox-exporter
