#!/usr/bin/env bash
# Installs Debian's Prometheus, Alertmanager (promtool and amtool come with them), node_exporter and
# VictoriaMetrics (the long-term store) when missing.
# Debian names the Alertmanager binary prometheus-alertmanager; tests look for either name.
# Idempotent and quiet: prints one line when it installs, nothing when all is present.
set -euo pipefail
source "$(dirname "$0")/apt-install.sh"
missing=()
command -v prometheus >/dev/null && command -v promtool >/dev/null || missing+=(prometheus)
{ command -v alertmanager || command -v prometheus-alertmanager; } >/dev/null && command -v amtool >/dev/null || missing+=(prometheus-alertmanager)
# node_exporter: npm run stack starts it when present.
{ command -v node_exporter || command -v prometheus-node-exporter; } >/dev/null || missing+=(prometheus-node-exporter)
# VictoriaMetrics: the 2-year store of the recording rules' aggregates (npm run stack starts it).
command -v victoria-metrics >/dev/null || missing+=(victoria-metrics)
apt_install "${missing[@]}" -- prometheus prometheus-alertmanager prometheus-node-exporter victoria-metrics
