#!/usr/bin/env bash
# bench/run.sh: every measurement of README "Performance" in one run, as
# root, on this machine. It takes about 35 minutes with the defaults
# (scale about 18, ui about 5, accuracy and latency about 10).
#
#   sudo bench/run.sh [-d SECONDS] [-s "N ..."] [STEP ...]
#
#   -d SECONDS   how long each tool runs per size in scale and ui (60)
#   -s "N ..."   the sizes for scale ("1 50 100 500 1000 2000 4000 8000 20000")
#   -u "N ..."   the sizes for ui ("50 4000")
#   STEP         any of: go scale ui accuracy latency (default: all, in that order)
#
#   go        Go benchmarks of the hot paths, with allocations: reply matching
#             (probe), the monitor's per-result update and snapshot (monitor),
#             View() at 4,000 hosts (ui)
#   scale     bench/scale.sh: headless downtime and fping on loopback lists:
#             CPU, wake-ups a second, peak RSS, ratio to fping
#   ui        bench/ui.sh: the same with the UI in a tmux pane (120×40 at 50
#             hosts, 200×50 at 4,000); skipped, saying so, while downtime
#             has no UI
#   accuracy  RTT median and loss behind a TUN responder, downtime next to fping
#   latency   link down → DOWN log line and → fake Bot API message, 20 trials;
#             the Bot API leg is skipped, saying so, while downtime has no alerts
#
# Everything it prints also goes to /tmp/downtime-bench-DATE.txt. It
# probes only 127.0.0.0/8 and the namespaces it makes (198.18.0.0/15), and
# removes those namespaces when it ends, also on failure.
set -euo pipefail
cd "$(dirname "$0")/.."
dur=60
sizes="1 50 100 500 1000 2000 4000 8000 20000"
ui_sizes="50 4000"
while getopts d:s:u: opt; do
  case $opt in
    d) dur=$OPTARG ;;
    s) sizes=$OPTARG ;;
    u) ui_sizes=$OPTARG ;;
    *) sed -n '2,27p' "$0" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
steps=("$@")
[ ${#steps[@]} -gt 0 ] || steps=(go scale ui accuracy latency)

[ "$(id -u)" = 0 ] || { echo "bench/run.sh: run as root (raw ICMP, network namespaces)" >&2; exit 2; }
need=()
for tool in fping tmux ip nft; do command -v "$tool" >/dev/null || need+=("$tool"); done
[ -x /usr/bin/time ] || need+=(time)
if [ ${#need[@]} -gt 0 ]; then
  pkgs=$(printf '%s\n' "${need[@]}" | sed 's/^ip$/iproute2/; s/^nft$/nftables/' | sort -u | tr '\n' ' ')
  echo "installing: $pkgs"
  apt-get update -qq && apt-get install -y -qq $pkgs >/dev/null
fi

out=/tmp/downtime-bench-$(date -u +%Y%m%dT%H%M%SZ).txt
exec > >(tee "$out") 2>&1

# cleanup removes what an interrupted measurement may leave: the test
# namespaces of processes that are gone (internal/testnet names them
# dt-PID-…) and, once none is left, testnet's guard routes.
cleanup() {
  rm -rf "$bin"
  local ns pid
  for ns in $(ip netns list 2>/dev/null | awk '$1 ~ /^dt-/ {print $1}'); do
    pid=${ns#dt-}; pid=${pid%%-*}
    kill -0 "$pid" 2>/dev/null || ip netns del "$ns" 2>/dev/null || true
  done
  if ! ip netns list 2>/dev/null | grep -q '^dt-'; then
    ip -4 route show type unreachable 2>/dev/null | awk '/metric 4294967295/ && $2 ~ /^198\.1[89]\./ {print $2}' |
      while read -r p; do ip route del unreachable "$p" metric 4294967295 2>/dev/null || true; done
    ip -6 route show type unreachable 2>/dev/null | awk '/metric 4294967295/ && $2 ~ /^2001:2:/ {print $2}' |
      while read -r p; do ip -6 route del unreachable "$p" metric 4294967295 2>/dev/null || true; done
  fi
}
bin=$(mktemp -d /tmp/downtime-bench-bin.XXXXXX)
trap cleanup EXIT
go build -o "$bin/downtime" .

echo "downtime benchmarks, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "machine:  $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(awk '/MemTotal/ {printf "%.0f GB", $2 / 1048576}' /proc/meminfo), Linux $(uname -r)"
virt=$(systemd-detect-virt 2>/dev/null || true)
[ -n "$virt" ] || { grep -qw hypervisor /proc/cpuinfo && virt="a virtual machine" || virt=none; }
echo "          virtualization: $virt"
echo "go:       $(go version | cut -d' ' -f3-)"
echo "fping:    $(fping -v 2>&1 | head -1)"
echo "downtime: $(git describe --always --dirty 2>/dev/null || echo dev)"

step_go() {
  go test -run '^$' -bench . -benchmem -count 1 ./probe/ ./monitor/ ./ui/ | grep -E '^(Benchmark|pkg:|ok|FAIL)'
}
step_scale() {
  # shellcheck disable=SC2086 # the sizes are words
  bench/scale.sh -d "$dur" $sizes
}
step_ui() {
  # shellcheck disable=SC2086 # the sizes are words
  bench/ui.sh -d "$dur" $ui_sizes
}
step_accuracy() {
  # -v: without it, go test shows nothing of a passing test but "ok".
  DOWNTIME_BIN="$bin/downtime" go test -tags bench -run 'TestAccuracy$' -v -count 1 -timeout 30m ./bench/ |
    grep -v -E '^(ok|PASS|=== RUN|--- PASS)'
}
step_latency() {
  DOWNTIME_BIN="$bin/downtime" go test -tags bench -run 'TestDetectionLatency$' -v -count 1 -timeout 30m ./bench/ |
    grep -v -E '^(ok|PASS|=== RUN|--- PASS)'
}

failed=()
for step in "${steps[@]}"; do
  echo
  echo "== $step"
  case $step in
    go | scale | ui | accuracy | latency) "step_$step" || { echo "bench/run.sh: $step failed"; failed+=("$step"); } ;;
    *) echo "bench/run.sh: unknown step $step (go scale ui accuracy latency)"; failed+=("$step") ;;
  esac
done
echo
echo "all of the above is in $out"
[ ${#failed[@]} -eq 0 ] || { echo "failed: ${failed[*]}"; exit 1; }
