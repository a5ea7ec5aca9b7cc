# bench/lib.sh: what bench/scale.sh and bench/ui.sh share. Sourced, not run.

# targets N: N loopback addresses from 127.1.0.1 up, none ending in .0.
targets() {
  awk -v n="$1" 'BEGIN { for (i = 0; c < n; i++) if (i % 256 != 0) { c++; printf "127.%d.%d.%d\n", 1 + int(i / 65536), int(i / 256) % 256, i % 256 } }'
}

# sample PID: "CPU_NS WAKEUPS PREEMPTIONS" summed over the process's
# threads: time on a CPU (/proc/PID/task/*/schedstat, nanoseconds) and
# voluntary (it slept and was woken) and involuntary context switches.
sample() {
  local t c _ cpu=0 v=0 iv=0 a b
  for t in /proc/"$1"/task/*; do
    read -r c _ < "$t/schedstat" 2> /dev/null || continue
    read -r a b < <(awk '/^voluntary_ctxt/ {v = $2} /^nonvoluntary_ctxt/ {n = $2} END {print v + 0, n + 0}' "$t/status" 2> /dev/null)
    cpu=$((cpu + c)) v=$((v + a)) iv=$((iv + b))
  done
  echo "$cpu $v $iv"
}

# peak_rss PID: the process's peak resident set (VmHWM) in MB.
peak_rss() { awk '/^VmHWM/ {printf "%.1f", $2 / 1024}' "/proc/$1/status"; }

# window PID WARM SPAN: waits WARM seconds (start-up left out), then
# measures PID for SPAN seconds; sets w_cpu (ms of CPU a second), w_wake
# (voluntary context switches a second), w_rss (peak RSS, MB), or
# w_cpu=gone when PID ended before the window did.
window() {
  local pid=$1 warm=$2 span=$3 a b
  sleep "$warm"
  [ -d "/proc/$pid" ] || { w_cpu=gone w_wake=- w_rss=-; return; }
  read -r -a a < <(sample "$pid")
  sleep "$span"
  [ -d "/proc/$pid" ] || { w_cpu=gone w_wake=- w_rss=-; return; }
  read -r -a b < <(sample "$pid")
  w_rss=$(peak_rss "$pid")
  w_cpu=$(awk -v c=$((b[0] - a[0])) -v s="$span" 'BEGIN {printf "%.2f", c / 1e6 / s}')
  w_wake=$(awk -v v=$((b[1] - a[1])) -v s="$span" 'BEGIN {printf "%.1f", v / s}')
}

# wait_traced LOG MAX: wait until downtime's LOG says its first pass of
# good-path traces is over (msg="paths traced"), at most MAX seconds; sets
# w_started to the seconds waited, with "+" when MAX ran out. That pass is
# start-up (one host every 50 ms): the measurement comes after it.
wait_traced() {
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    if grep -q 'msg="paths traced"' "$1" 2> /dev/null; then
      w_started=$(awk -v i="$i" 'BEGIN {printf "%.1f", i / 10}')
      return
    fi
    sleep 0.1
  done
  w_started="$2+"
}

# ratio A B: A / B to two places, or - when B is not a positive number.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf ((b + 0 > 0 && a + 0 == a) ? "%.2f" : "-"), (b + 0 > 0) ? a / b : 0}'; }

# fping_sent_recv LOG: the totals of fping -q's per-host summary.
fping_sent_recv() {
  awk -F'[ /,=%]+' '/xmt\/rcv/ {for (i = 1; i <= NF; i++) if ($i == "xmt") {s += $(i+3); r += $(i+4)}} END {print s+0, r+0}' "$1"
}

# fping_window LIST WARM SPAN LOG: fping on LIST measured as window does;
# sets w_* and fp_unable=1 when fping gave up (its sequence table).
fping_window() {
  fping -l -p 1000 -i 0 -q -f "$1" > /dev/null 2> "$4" &
  local pid=$!
  window "$pid" "$2" "$3"
  kill -INT "$pid" 2> /dev/null || true
  wait "$pid" 2> /dev/null || true
  fp_unable=0
  if grep -q 'not enough sequence numbers' "$4"; then fp_unable=1 w_cpu=unable w_wake=- w_rss=-; fi
}
