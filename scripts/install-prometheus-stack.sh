#!/usr/bin/env bash
# Installs Debian's Prometheus, Alertmanager (promtool and amtool come with them), node_exporter,
# VictoriaMetrics (the long-term store), the standard exporters and nginx when missing.
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
# The standard exporters (npm run stack starts each that is installed, with what it watches) and nginx,
# the demo service's load balancer (Debian puts it in /usr/sbin).
for exporter in postgres redis process nginx; do
  command -v "prometheus-$exporter-exporter" >/dev/null || missing+=("prometheus-$exporter-exporter")
done
{ command -v nginx || [ -x /usr/sbin/nginx ]; } >/dev/null || missing+=(nginx-light)
apt_install "${missing[@]}" -- prometheus prometheus-alertmanager prometheus-node-exporter victoria-metrics \
  prometheus-postgres-exporter prometheus-redis-exporter prometheus-process-exporter \
  prometheus-nginx-exporter nginx
