#!/usr/bin/env bash
# bench/scale.sh: headless downtime against fping on the same loopback
# target lists, one after the other (never both at once: the machine has
# two cores). Prints CPU seconds (user+sys), peak RSS, packets and false
# DOWN transitions for each size.
#
#   sudo bench/scale.sh [-d SECONDS] [N ...]      default: -d 60  500 2000 4000 8000
#
# Targets are 127.x.y.z (all of 127.0.0.0/8 answers on Linux); nothing
# else is probed. Needs root (raw ICMP for both tools) and fping, time.
#
# fping 5.1 cannot go past ~6,500 probes a second ("not enough sequence
# numbers available"): where it gives up, the row says so and fping runs
# once more on 6,000 hosts, so that the CPU per probe can be compared.
set -euo pipefail
cd "$(dirname "$0")/.."
dur=60
if [ "${1:-}" = "-d" ]; then dur=$2; shift 2; fi
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(500 2000 4000 8000)
fping_max=6000 # the largest list fping 5.1 runs at one probe a second

[ "$(id -u)" = 0 ] || { echo "bench/scale.sh: run as root (raw ICMP for downtime and fping)" >&2; exit 2; }
for tool in fping /usr/bin/time; do
  command -v "$tool" >/dev/null || { apt-get update -qq; apt-get install -y -qq fping time; }
done

work=$(mktemp -d /tmp/downtime-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
go build -o "$work/downtime" .

# targets N: N loopback addresses from 127.1.0.1 up, none ending in .0.
targets() {
  awk -v n="$1" 'BEGIN { for (i = 0; c < n; i++) if (i % 256 != 0) { c++; printf "127.%d.%d.%d\n", 1 + int(i / 65536), int(i / 256) % 256, i % 256 } }'
}

cpu() { tail -n 1 "$1" | awk '{printf "%.2f", $1 + $2}'; }
rss() { tail -n 1 "$1" | awk '{printf "%.1f", $3 / 1024}'; }
per_probe() { awk -v c="$1" -v n="$2" 'BEGIN {printf (n > 0 ? "%.2f" : "-"), c * 1e6 / n}'; } # µs of CPU a probe

# fping_run N: fping on the list of N for $dur s; sets fp_cpu fp_rss fp_sent
# fp_recv, or fp_cpu=unable when fping gives up.
fping_run() {
  /usr/bin/time -f '%U %S %M' -o "$work/fp.time" \
    timeout -s INT "$dur" fping -l -p 1000 -i 0 -q -f "$work/t$1.txt" > /dev/null 2> "$work/fp.log" || true
  if grep -q 'not enough sequence numbers' "$work/fp.log"; then
    fp_cpu=unable fp_rss=- fp_sent=0 fp_recv=0
    return
  fi
  read -r fp_sent fp_recv < <(awk -F'[ /,=%]+' '/xmt\/rcv/ {for (i = 1; i <= NF; i++) if ($i == "xmt") {s += $(i+3); r += $(i+4)}} END {print s+0, r+0}' "$work/fp.log")
  fp_cpu=$(cpu "$work/fp.time") fp_rss=$(rss "$work/fp.time")
}

echo "machine:  $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(uname -r)"
echo "fping:    $(fping -v 2>&1 | head -1); command: fping -l -p 1000 -i 0 -q -f LIST"
echo "downtime: $(git describe --always --dirty 2>/dev/null || echo dev); command: downtime --no-ui --no-state -f LIST"
echo "run:      ${dur}s per tool and size, one after the other, 1s interval, loopback targets"
echo
printf '%6s | %8s %8s %6s | %7s %7s | %6s %6s | %19s | %19s | %5s\n' \
  hosts "dt cpu" "fp cpu" ratio "dt µs/p" "fp µs/p" "dt MB" "fp MB" "dt sent/recv" "fp sent/recv" "false"
printf '%6s-+-%8s-%8s-%6s-+-%7s-%7s-+-%6s-%6s-+-%19s-+-%19s-+-%5s\n' | tr ' ' '-'
unable=""
for n in "${sizes[@]}"; do
  targets "$n" > "$work/t$n.txt"

  # downtime, headless, no state: its stop line has the engine's totals.
  /usr/bin/time -f '%U %S %M' -o "$work/dt.time" \
    timeout -s INT "$dur" "$work/downtime" --no-ui --no-state -f "$work/t$n.txt" > "$work/dt.log" 2>&1 || true
  dt_sent=$(grep -o 'sent=[0-9]*' "$work/dt.log" | tail -1 | cut -d= -f2)
  dt_recv=$(grep -o 'received=[0-9]*' "$work/dt.log" | tail -1 | cut -d= -f2)
  downs=$(grep -c 'msg="host down"' "$work/dt.log" || true)
  dt_cpu=$(cpu "$work/dt.time")

  # fping: -l loop, -p 1000 one probe a second per host, -i 0 no pause
  # between hosts, -q per-host summary on exit.
  fping_run "$n"
  if [ "$fp_cpu" = unable ]; then
    ratio=- fp_pp="unable" fp_pkts="gives up (seq table)"
    unable="$unable $n:$dt_cpu:$dt_sent"
  else
    ratio=$(awk -v a="$dt_cpu" -v b="$fp_cpu" 'BEGIN {printf (b > 0 ? "%.2f" : "-"), a / b}')
    fp_pp=$(per_probe "$fp_cpu" "$fp_sent") fp_pkts="$fp_sent/$fp_recv"
  fi
  printf '%6d | %8s %8s %6s | %7s %7s | %6s %6s | %19s | %19s | %5s\n' \
    "$n" "$dt_cpu" "$fp_cpu" "$ratio" "$(per_probe "$dt_cpu" "$dt_sent")" "$fp_pp" "$(rss "$work/dt.time")" "$fp_rss" \
    "$dt_sent/$dt_recv" "$fp_pkts" "$downs"
done

# Where fping gave up, compare CPU per probe with fping on $fping_max hosts.
if [ -n "$unable" ]; then
  targets "$fping_max" > "$work/t$fping_max.txt"
  fping_run "$fping_max"
  echo
  echo "fping gives up above ~6,500 probes a second; its CPU per probe on $fping_max hosts instead:"
  if [ "$fp_cpu" = unable ]; then
    echo "  fping gave up on $fping_max hosts too"
  else
    fp_pp=$(per_probe "$fp_cpu" "$fp_sent")
    echo "  fping $fping_max hosts: cpu ${fp_cpu}s, ${fp_sent} sent / ${fp_recv} received, $fp_pp µs/probe, $(rss "$work/fp.time") MB"
    for u in $unable; do
      IFS=: read -r n c s <<< "$u"
      dpp=$(per_probe "$c" "$s")
      echo "  downtime $n hosts: $dpp µs/probe, $(awk -v a="$dpp" -v b="$fp_pp" 'BEGIN {printf "%.2f", a / b}')× fping's per-probe CPU"
    done
  fi
fi
