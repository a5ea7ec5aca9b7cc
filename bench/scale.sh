#!/usr/bin/env bash
# bench/scale.sh: headless downtime against fping on the same loopback
# target lists, one after the other (never both at once: the machine has
# two cores). For each size it prints the CPU each tool used (ms of CPU a
# second, all threads, read from /proc after the first 3 s so that
# start-up is left out), its wake-ups a second (voluntary context
# switches), CPU per probe, peak RSS, packets and false DOWN transitions.
#
#   sudo bench/scale.sh [-d SECONDS] [N ...]
#        default: -d 60  1 50 100 500 1000 2000 4000 8000 20000
#
# Targets are 127.x.y.z (all of 127.0.0.0/8 answers on Linux); nothing
# else is probed. Needs root (raw ICMP for both tools) and fping.
#
# fping 5.1 cannot go past ~6,500 probes a second ("not enough sequence
# numbers available"): where it gives up, the row says so and fping runs
# once more on 6,000 hosts, so that the CPU per probe can be compared.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
dur=60
if [ "${1:-}" = "-d" ]; then dur=$2; shift 2; fi
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1 50 100 500 1000 2000 4000 8000 20000)
warm=3
[ "$dur" -gt "$warm" ] || { echo "bench/scale.sh: -d must be more than $warm seconds" >&2; exit 2; }
span=$((dur - warm))
traced_max=120 # the longest wait for the first pass of good-path traces
fping_max=6000 # the largest list fping 5.1 runs at one probe a second

[ "$(id -u)" = 0 ] || { echo "bench/scale.sh: run as root (raw ICMP for downtime and fping)" >&2; exit 2; }
command -v fping > /dev/null || { apt-get update -qq; apt-get install -y -qq fping; }

work=$(mktemp -d /tmp/downtime-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
go build -o "$work/downtime" .

# per_probe MS_PER_S N: µs of CPU a probe at N probes a second.
per_probe() { awk -v c="$1" -v n="$2" 'BEGIN {printf ((n > 0 && c + 0 == c) ? "%.2f" : "-"), (n > 0) ? c * 1000 / n : 0}'; }

echo "machine:  $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(uname -r)"
echo "fping:    $(fping -v 2>&1 | head -1); command: fping -l -p 1000 -i 0 -q -f LIST"
echo "downtime: $(git describe --always --dirty 2>/dev/null || echo dev); command: downtime --no-ui --no-state -f LIST"
echo "run:      ${dur}s per tool and size, one after the other, measured over the last ${span}s; 1s interval, loopback targets"
echo "columns:  ms/s = ms of CPU a second (user+system, all threads); wk/s = wake-ups (voluntary context switches) a second;"
echo "          µs/p = µs of CPU a probe; MB = peak RSS; false = DOWN transitions (every host answers);"
echo "          start s = downtime's first pass of good-path traces (start-up, before the measurement; + = still going)"
echo
printf '%6s | %7s | %8s %8s %6s | %7s %7s | %7s %7s | %6s %6s | %17s | %5s\n' \
  hosts "start s" "dt ms/s" "fp ms/s" ratio "dt wk/s" "fp wk/s" "dt µs/p" "fp µs/p" "dt MB" "fp MB" "dt sent/recv" false
printf '%6s-+-%7s-+-%8s-%8s-%6s-+-%7s-%7s-+-%7s-%7s-+-%6s-%6s-+-%17s-+-%5s\n' | tr ' ' '-'
unable=""
for n in "${sizes[@]}"; do
  targets "$n" > "$work/t$n.txt"

  # downtime, headless, no state: its stop line has the engine's totals.
  "$work/downtime" --no-ui --no-state -f "$work/t$n.txt" > "$work/dt.log" 2>&1 &
  pid=$!
  wait_traced "$work/dt.log" "$traced_max"
  window "$pid" "$warm" "$span"
  dt_cpu=$w_cpu dt_wake=$w_wake dt_rss=$w_rss
  kill -INT "$pid" 2> /dev/null || true
  wait "$pid" 2> /dev/null || true
  dt_sent=$(grep -o 'sent=[0-9]*' "$work/dt.log" | tail -1 | cut -d= -f2)
  dt_recv=$(grep -o 'received=[0-9]*' "$work/dt.log" | tail -1 | cut -d= -f2)
  downs=$(grep -c 'msg="host down"' "$work/dt.log" || true)

  # fping: -l loop, -p 1000 one probe a second per host, -i 0 no pause
  # between hosts, -q per-host summary on exit.
  fping_window "$work/t$n.txt" "$warm" "$span" "$work/fp.log"
  fp_cpu=$w_cpu fp_wake=$w_wake fp_rss=$w_rss
  [ "$fp_unable" = 0 ] || unable="$unable $n:$dt_cpu"
  printf '%6d | %7s | %8s %8s %6s | %7s %7s | %7s %7s | %6s %6s | %17s | %5s\n' \
    "$n" "$w_started" "$dt_cpu" "$fp_cpu" "$(ratio "$dt_cpu" "$fp_cpu")" "$dt_wake" "$fp_wake" \
    "$(per_probe "$dt_cpu" "$n")" "$(per_probe "$fp_cpu" "$n")" "$dt_rss" "$fp_rss" "${dt_sent:-?}/${dt_recv:-?}" "$downs"
done

# Where fping gave up, compare CPU per probe with fping on $fping_max hosts.
if [ -n "$unable" ]; then
  targets "$fping_max" > "$work/t$fping_max.txt"
  fping_window "$work/t$fping_max.txt" "$warm" "$span" "$work/fp.log"
  echo
  echo "fping gives up above ~6,500 probes a second; its CPU per probe on $fping_max hosts instead:"
  if [ "$fp_unable" = 1 ]; then
    echo "  fping gave up on $fping_max hosts too"
  else
    fp_pp=$(per_probe "$w_cpu" "$fping_max")
    echo "  fping $fping_max hosts: ${w_cpu} ms/s, $fp_pp µs/probe, ${w_wake} wake-ups/s, $w_rss MB"
    for u in $unable; do
      IFS=: read -r n c <<< "$u"
      dpp=$(per_probe "$c" "$n")
      echo "  downtime $n hosts: $dpp µs/probe, $(ratio "$dpp" "$fp_pp")× fping's per-probe CPU"
    done
  fi
fi
