#!/usr/bin/env bash
# bench/trace.sh: `downtime trace -c 5` next to `mtr -r -c 5 -n` on a chain
# of three routers in network namespaces (IPv4 and IPv6, whole and with the
# last link cut); the hops that answered must be the same. As root:
#
#   sudo bench/trace.sh
#
# Needs mtr (apt-get install -y mtr-tiny). It probes only the namespaces it
# makes (198.18.0.0/15, 2001:2::/48) and removes them when it ends. The
# output goes to bench/results/trace-DATE-COMMIT.txt too.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "bench/trace.sh: run as root (raw ICMP, network namespaces)" >&2; exit 2; }
command -v mtr >/dev/null || { echo "bench/trace.sh: mtr not installed: apt-get install -y mtr-tiny" >&2; exit 2; }
out="bench/results/trace-$(date -u +%F)-$(git rev-parse --short HEAD).txt"
{
  echo "# bench/trace.sh $(date -u +%FT%TZ) on $(uname -sr); $(mtr --version)"
  go test -tags bench -count=1 -run TestTraceMatchesMtr ./bench -v 2>&1 | grep -v '^=== RUN'
} | tee "$out"
