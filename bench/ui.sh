#!/usr/bin/env bash
# bench/ui.sh: downtime with its terminal UI open in a 200×50 tmux pane on N
# loopback targets, then fping on the same list, one after the other. Prints
# the CPU seconds (user+sys) of downtime and of the tmux server that draws
# its screen, downtime's peak RSS, packets, false DOWN transitions, and the
# CPU ratio to fping.
#
#   sudo bench/ui.sh [-d SECONDS] [N]      default: -d 60  4000
#
# It runs only when this downtime has a UI (the binary links downtime/ui);
# otherwise it says so and exits 0, so that bench/run.sh goes on.
set -euo pipefail
cd "$(dirname "$0")/.."
dur=60
if [ "${1:-}" = "-d" ]; then dur=$2; shift 2; fi
n=${1:-4000}

[ "$(id -u)" = 0 ] || { echo "bench/ui.sh: run as root (raw ICMP for downtime and fping)" >&2; exit 2; }
if ! go list -deps . | grep -qx 'downtime/ui'; then
  echo "bench/ui.sh: skipped: this downtime has no terminal UI yet (downtime/ui is not linked)"
  exit 0
fi
for tool in fping tmux /usr/bin/time; do
  command -v "$tool" >/dev/null || { apt-get update -qq; apt-get install -y -qq fping tmux time; }
done

work=$(mktemp -d /tmp/downtime-bench-ui.XXXXXX)
sock="dtbench-$$"
cleanup() {
  tmux -L "$sock" kill-server 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
go build -o "$work/downtime" .
awk -v n="$n" 'BEGIN { for (i = 0; c < n; i++) if (i % 256 != 0) { c++; printf "127.%d.%d.%d\n", 1 + int(i / 65536), int(i / 256) % 256, i % 256 } }' > "$work/targets.txt"

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; } # utime + stime, clock ticks
hz=$(getconf CLK_TCK)

# With --no-state (as in bench/scale.sh) the UI appends its log lines to
# $TMPDIR/downtime-UID.log: read what this run adds.
log="${TMPDIR:-/tmp}/downtime-$(id -u).log"
off=$(stat -c %s "$log" 2>/dev/null || echo 0)
tmux -L "$sock" -f /dev/null new-session -d -s bench -x 200 -y 50 \
  "TERM=xterm-256color exec $work/downtime --no-state -f $work/targets.txt" \; set-option -g status off >/dev/null
server=$(tmux -L "$sock" display-message -p '#{pid}')
pid=$(tmux -L "$sock" list-panes -t bench -F '#{pane_pid}')
size=$(tmux -L "$sock" display-message -p -t bench '#{pane_width}x#{pane_height}')
srv0=$(ticks "$server")
sleep "$dur"
[ -d "/proc/$pid" ] || { echo "bench/ui.sh: downtime exited early:" >&2; tmux -L "$sock" capture-pane -p -t bench >&2 || true; exit 1; }
dt_cpu=$(awk -v t="$(ticks "$pid")" -v hz="$hz" 'BEGIN {printf "%.2f", t / hz}')
srv_cpu=$(awk -v a="$srv0" -v b="$(ticks "$server")" -v hz="$hz" 'BEGIN {printf "%.2f", (b - a) / hz}')
dt_rss=$(awk '/VmHWM/ {printf "%.1f", $2 / 1024}' "/proc/$pid/status")
tmux -L "$sock" capture-pane -p -t bench > "$work/screen.txt"
tmux -L "$sock" send-keys -t bench q
for _ in $(seq 50); do [ -d "/proc/$pid" ] || break; sleep 0.1; done
tail -c "+$((off + 1))" "$log" > "$work/ui.log"
log="$work/ui.log"
dt_sent=$(grep -o 'sent=[0-9]*' "$log" | tail -1 | cut -d= -f2)
dt_recv=$(grep -o 'received=[0-9]*' "$log" | tail -1 | cut -d= -f2)
downs=$(grep -c 'msg="host down"' "$log" || true)

/usr/bin/time -f '%U %S %M' -o "$work/fp.time" \
  timeout -s INT "$dur" fping -l -p 1000 -i 0 -q -f "$work/targets.txt" > /dev/null 2> "$work/fp.log" || true
fp_cpu=$(tail -n 1 "$work/fp.time" | awk '{printf "%.2f", $1 + $2}')
read -r fp_sent fp_recv < <(awk -F'[ /,=%]+' '/xmt\/rcv/ {for (i = 1; i <= NF; i++) if ($i == "xmt") {s += $(i+3); r += $(i+4)}} END {print s+0, r+0}' "$work/fp.log")

echo "UI under load: $n loopback targets, ${dur}s, downtime's UI in a $size tmux pane, then fping on the same list"
echo "  downtime (UI):  cpu ${dt_cpu}s, peak RSS ${dt_rss} MB, sent/received ${dt_sent:-?}/${dt_recv:-?}, false DOWN $downs"
echo "  tmux server:    cpu ${srv_cpu}s (drawing the pane; not counted in the ratio)"
echo "  fping:          cpu ${fp_cpu}s, sent/received $fp_sent/$fp_recv"
echo "  ratio downtime/fping: $(awk -v a="$dt_cpu" -v b="$fp_cpu" 'BEGIN {printf "%.2f", a / b}')  (with the tmux server: $(awk -v a="$dt_cpu" -v s="$srv_cpu" -v b="$fp_cpu" 'BEGIN {printf "%.2f", (a + s) / b}'))"
echo "  the screen at the end:"
sed -n '1,6p' "$work/screen.txt" | sed 's/ *$//; s/^/    | /'
