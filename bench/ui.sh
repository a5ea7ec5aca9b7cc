#!/usr/bin/env bash
# bench/ui.sh: downtime with its terminal UI open in a tmux pane on N
# loopback targets, then fping on the same list, one after the other. For
# each size it prints the CPU of downtime (ms of CPU a second, all threads,
# read from /proc after the first 3 s) and of the tmux server that draws
# its screen, downtime's wake-ups a second and peak RSS, packets, false
# DOWN transitions, and the CPU ratio to fping.
#
#   sudo bench/ui.sh [-d SECONDS] [N ...]      default: -d 60  50 4000
#
# The pane is 120×40 up to 1,000 hosts (a jump box's tmux pane), 200×50
# above. It runs only when this downtime has a UI (the binary links
# downtime/ui); otherwise it says so and exits 0, so that bench/run.sh goes
# on.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
dur=60
if [ "${1:-}" = "-d" ]; then dur=$2; shift 2; fi
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(50 4000)
warm=3
[ "$dur" -gt "$warm" ] || { echo "bench/ui.sh: -d must be more than $warm seconds" >&2; exit 2; }
span=$((dur - warm))

[ "$(id -u)" = 0 ] || { echo "bench/ui.sh: run as root (raw ICMP for downtime and fping)" >&2; exit 2; }
if ! go list -deps . | grep -qx 'downtime/ui'; then
  echo "bench/ui.sh: skipped: this downtime has no terminal UI yet (downtime/ui is not linked)"
  exit 0
fi
for tool in fping tmux; do
  command -v "$tool" > /dev/null || { apt-get update -qq; apt-get install -y -qq fping tmux; }
done

work=$(mktemp -d /tmp/downtime-bench-ui.XXXXXX)
sock="dtbench-$$"
cleanup() {
  tmux -L "$sock" kill-server 2> /dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
go build -o "$work/downtime" .

echo "UI under load: downtime's UI in a tmux pane for ${dur}s, then fping on the same list; measured over the last ${span}s"
echo "columns: ms/s = ms of CPU a second (all threads); wk/s = wake-ups (voluntary context switches) a second; MB = peak RSS;"
echo "         start s = downtime's first pass of good-path traces (start-up, before the measurement; + = still going)"
echo
printf '%6s %8s %7s | %8s %7s %6s | %8s | %8s %6s | %17s | %5s\n' hosts pane "start s" "dt ms/s" "dt wk/s" "dt MB" "tmux" "fp ms/s" ratio "dt sent/recv" false
printf '%6s-%8s-%7s-+-%8s-%7s-%6s-+-%8s-+-%8s-%6s-+-%17s-+-%5s\n' | tr ' ' '-'
screens=()
for n in "${sizes[@]}"; do
  targets "$n" > "$work/t$n.txt"
  if [ "$n" -le 1000 ]; then w=120 h=40; else w=200 h=50; fi

  # With --no-state (as in bench/scale.sh) the UI writes its log lines to
  # $XDG_RUNTIME_DIR/downtime/downtime.log: a private one for this run.
  mkdir -p -m 700 "$work/run$n"
  log="$work/run$n/downtime/downtime.log"
  off=0
  tmux -L "$sock" -f /dev/null new-session -d -s bench -x "$w" -y "$h" \
    "TERM=xterm-256color XDG_RUNTIME_DIR=$work/run$n exec $work/downtime --no-state -f $work/t$n.txt" \; set-option -g status off > /dev/null
  server=$(tmux -L "$sock" display-message -p '#{pid}')
  pid=$(tmux -L "$sock" list-panes -t bench -F '#{pane_pid}')
  size=$(tmux -L "$sock" display-message -p -t bench '#{pane_width}x#{pane_height}')
  wait_traced "$log" 120
  sleep "$warm"
  read -r -a s0 < <(sample "$server")
  window "$pid" 0 "$span"
  read -r -a s1 < <(sample "$server")
  [ "$w_cpu" != gone ] || { echo "bench/ui.sh: downtime exited early:" >&2; tmux -L "$sock" capture-pane -p -t bench >&2 || true; exit 1; }
  dt_cpu=$w_cpu dt_wake=$w_wake dt_rss=$w_rss
  srv_cpu=$(awk -v c=$((s1[0] - s0[0])) -v s="$span" 'BEGIN {printf "%.2f", c / 1e6 / s}')
  tmux -L "$sock" capture-pane -p -t bench > "$work/screen$n.txt"
  screens+=("$n")
  tmux -L "$sock" send-keys -t bench q
  for _ in $(seq 50); do [ -d "/proc/$pid" ] || break; sleep 0.1; done
  tmux -L "$sock" kill-server 2> /dev/null || true
  tail -c "+$((off + 1))" "$log" > "$work/ui.log"
  dt_sent=$(grep -o 'sent=[0-9]*' "$work/ui.log" | tail -1 | cut -d= -f2)
  dt_recv=$(grep -o 'received=[0-9]*' "$work/ui.log" | tail -1 | cut -d= -f2)
  downs=$(grep -c 'msg="host down"' "$work/ui.log" || true)

  fping_window "$work/t$n.txt" "$warm" "$span" "$work/fp.log"
  printf '%6d %8s %7s | %8s %7s %6s | %8s | %8s %6s | %17s | %5s\n' \
    "$n" "$size" "$w_started" "$dt_cpu" "$dt_wake" "$dt_rss" "$srv_cpu" "$w_cpu" "$(ratio "$dt_cpu" "$w_cpu")" "${dt_sent:-?}/${dt_recv:-?}" "$downs"
done
echo
echo "tmux = the tmux server drawing the pane (ms/s; not counted in the ratio)"
for n in "${screens[@]}"; do
  echo "the screen at the end, $n hosts:"
  sed -n '1,4p' "$work/screen$n.txt" | sed 's/ *$//; s/^/    | /'
done
