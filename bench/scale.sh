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
set -euo pipefail
cd "$(dirname "$0")/.."
dur=60
if [ "${1:-}" = "-d" ]; then dur=$2; shift 2; fi
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(500 2000 4000 8000)

[ "$(id -u)" = 0 ] || { echo "bench/scale.sh: run as root (raw ICMP for downtime and fping)" >&2; exit 2; }
for tool in fping /usr/bin/time; do
  command -v "$tool" >/dev/null || { apt-get update -qq; apt-get install -y -qq fping time; }
done

work=$(mktemp -d /tmp/downtime-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
go build -o "$work/downtime" .

# targets N: N loopback addresses, 127.1.0.1 upwards.
targets() {
  local n=$1 i
  for ((i = 0; i < n; i++)); do
    echo "127.$((1 + i / 65536)).$(((i / 256) % 256)).$((i % 256 + 0))"
  done | awk -F. '$4 != 0' | head -n "$n"
}

cpu() { tail -n 1 "$1" | awk '{printf "%.2f", $1 + $2}'; }
rss() { tail -n 1 "$1" | awk '{printf "%.1f", $3 / 1024}'; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(uname -r)"
echo "fping:   $(fping -v 2>&1 | head -1)"
echo "run:     ${dur}s per tool and size, 1s interval, loopback targets"
echo
printf '%6s | %9s %9s %6s | %8s %8s | %21s | %21s | %5s\n' \
  hosts "dt cpu s" "fp cpu s" ratio "dt MB" "fp MB" "dt sent/recv" "fp sent/recv" "false"
printf '%6s-+-%9s-%9s-%6s-+-%8s-%8s-+-%21s-+-%21s-+-%5s\n' | tr ' ' '-'
for n in "${sizes[@]}"; do
  targets "$n" > "$work/t$n.txt"

  # downtime, headless, no state: its stop line has the engine's totals.
  /usr/bin/time -f '%U %S %M' -o "$work/dt.time" \
    timeout -s INT "$dur" "$work/downtime" --no-ui --no-state -f "$work/t$n.txt" > "$work/dt.log" 2>&1 || true
  dt_sent=$(grep -o 'sent=[0-9]*' "$work/dt.log" | tail -1 | cut -d= -f2)
  dt_recv=$(grep -o 'received=[0-9]*' "$work/dt.log" | tail -1 | cut -d= -f2)
  downs=$(grep -c 'msg="host down"' "$work/dt.log" || true)

  # fping: -l loop, -p 1000 one probe a second per host, -i 0 no pause
  # between hosts, -q per-host summary on exit.
  /usr/bin/time -f '%U %S %M' -o "$work/fp.time" \
    timeout -s INT "$dur" fping -l -p 1000 -i 0 -q -f "$work/t$n.txt" > /dev/null 2> "$work/fp.log" || true
  if grep -q 'not enough sequence numbers' "$work/fp.log"; then
    fp_cpu="unable"; fp_rss="-"; fp_pkts="fping exits (seq table)"; ratio="-"
  else
    read -r fp_sent fp_recv < <(awk -F'[ /,=%]+' '/xmt\/rcv/ {for (i = 1; i <= NF; i++) if ($i == "xmt") {s += $(i+3); r += $(i+4)}} END {print s+0, r+0}' "$work/fp.log")
    fp_cpu=$(cpu "$work/fp.time"); fp_rss=$(rss "$work/fp.time"); fp_pkts="$fp_sent/$fp_recv"
    ratio=$(awk -v a="$(cpu "$work/dt.time")" -v b="$fp_cpu" 'BEGIN {printf (b > 0 ? "%.2f" : "-"), a / b}')
  fi
  printf '%6d | %9s %9s %6s | %8s %8s | %21s | %21s | %5s\n' \
    "$n" "$(cpu "$work/dt.time")" "$fp_cpu" "$ratio" "$(rss "$work/dt.time")" "$fp_rss" \
    "$dt_sent/$dt_recv" "$fp_pkts" "$downs"
done
