//go:build bench

package bench

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"downtime/history"
	"downtime/probe"
	"downtime/store"
)

// The history budget (README, "History"): at 4,000 hosts the history adds
// at most 10 % to downtime's CPU, the state file grows at most 25 MB a day
// and stays under 300 MB after 400 days of hourly rows; at 50 hosts it stays
// under 10 MB. These measure it with a fake clock: the probes of a day are
// made up (a LAN-like RTT with jitter, a little random loss, an outage now
// and then) and fed through the real Aggregator and store, as fast as they
// go, with the CPU time of the history's own work counted.
//
//	go test -tags bench -run History -v -count=1 -timeout 60m ./bench/

// fakeProbes feeds one minute of 1 s probes of hosts through agg.
func fakeProbes(agg *history.Aggregator, rng *rand.Rand, hosts []string, minute time.Time) {
	for s := range 60 {
		at := minute.Add(time.Duration(s) * time.Second)
		for i, h := range hosts {
			r := probe.Result{ID: probe.HostID(i + 1), At: at}
			if rng.IntN(500) == 0 || (i%97 == 0 && minute.Hour() == 3 && minute.Minute() < 5) {
				r.Err = probe.ErrTimeout
			} else {
				base := time.Duration(200+(i%50)*40) * time.Microsecond
				r.RTT = base + time.Duration(rng.ExpFloat64()*float64(base)/10)
			}
			agg.Record(h, time.Second, r)
		}
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	var n int64
	for _, p := range []string{path, path + "-wal"} {
		if fi, err := os.Stat(p); err == nil {
			n += fi.Size()
		}
	}
	return n
}

// historyDays runs days of n hosts through the real path and reports CPU
// and size; the probes are made up outside the measured CPU.
func historyDays(t *testing.T, n int, days int) (path string, st *store.Store) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "state.db")
	if p := os.Getenv("HISTORY_KEEP"); p != "" {
		path = p // kept for a look with sqlite3 (sqlite_dbpage, dbstat)
	}
	st, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	hosts := make([]string, n)
	for i := range hosts {
		hosts[i] = fmt.Sprintf("host-%04d.site-%d.example", i, i%7)
	}
	ch := make(chan []history.Minute, 4)
	agg := history.NewAggregator(ch)
	rng := rand.New(rand.NewPCG(1, 2))
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	var aggCPU, writeCPU, maintCPU time.Duration
	for m := range days * 24 * 60 {
		minute := start.Add(time.Duration(m) * time.Minute)
		// Probes made up and recorded: the Record calls are the monitor
		// goroutine's share; the made-up RTTs are a small part of it.
		c0 := cpuTime()
		fakeProbes(agg, rng, hosts, minute)
		aggCPU += cpuTime() - c0
		c0 = cpuTime()
		for len(ch) > 0 {
			if err := st.WriteMinutes(<-ch); err != nil {
				t.Fatal(err)
			}
		}
		writeCPU += cpuTime() - c0
		if minute.Minute() == 59 {
			c0 = cpuTime()
			if err := st.Maintain(minute.Add(time.Minute+history.Grace), 48*time.Hour, 400*24*time.Hour); err != nil {
				t.Fatal(err)
			}
			maintCPU += cpuTime() - c0
		}
		if (m+1)%(24*60) == 0 {
			t.Logf("%d hosts, day %d: file %.1f MB; CPU per day: record %.1fs, write %.1fs, roll-up/prune %.1fs",
				n, (m+1)/(24*60), float64(fileSize(t, path))/1e6, aggCPU.Seconds(), writeCPU.Seconds(), maintCPU.Seconds())
			aggCPU, writeCPU, maintCPU = 0, 0, 0
		}
	}
	runtime.GC()
	return path, st
}

func TestHistoryBudget4000(t *testing.T) {
	days := 1
	if s := os.Getenv("HISTORY_DAYS"); s != "" {
		fmt.Sscan(s, &days)
	}
	hosts := 4000
	if s := os.Getenv("HISTORY_HOSTS"); s != "" {
		fmt.Sscan(s, &hosts)
	}
	path, st := historyDays(t, hosts, days)
	defer st.Close()
	fmt.Printf("%d hosts, %d day(s): state file %.1f MB\n", hosts, days, float64(fileSize(t, path))/1e6)
}

func TestHistoryBudget50(t *testing.T) {
	path, st := historyDays(t, 50, 3)
	defer st.Close()
	fmt.Printf("50 hosts, 3 days: state file %.2f MB\n", float64(fileSize(t, path))/1e6)
}

// TestHistoryBudget400Days fills 400 days of hourly rows for 4,000 hosts
// (ImportHours, a day of all hosts a transaction, made-up figures like
// those above), prunes with keep_hours = 400d, and reports the file size.
func TestHistoryBudget400Days(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	st, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rng := rand.New(rand.NewPCG(3, 4))
	start := time.Date(2025, 10, 1, 0, 0, 0, 0, time.UTC)
	const n, days = 4000, 400
	var cpu time.Duration
	for d := range days {
		hs := make([]history.Minute, 0, n*24)
		for i := range n {
			name := fmt.Sprintf("host-%04d.site-%d.example", i, i%7)
			base := time.Duration(200+(i%50)*40) * time.Microsecond
			for h := range 24 {
				s := history.Slot{At: start.Add(time.Duration(d*24+h) * time.Hour), Span: time.Hour,
					Sent: 3600, Lost: rng.IntN(12), Watched: time.Hour}
				s.Min = base
				s.P50 = base + time.Duration(rng.ExpFloat64()*float64(base)/20)
				s.P95 = s.P50 + time.Duration(rng.ExpFloat64()*float64(base)/5)
				s.Max = s.P95 + time.Duration(rng.ExpFloat64()*float64(base))
				hs = append(hs, history.Minute{Host: name, Slot: s})
			}
		}
		c0 := cpuTime()
		if err := st.ImportHours(hs); err != nil {
			t.Fatal(err)
		}
		cpu += cpuTime() - c0
		if (d+1)%50 == 0 {
			t.Logf("day %d: file %.1f MB", d+1, float64(fileSize(t, path))/1e6)
		}
	}
	c0 := cpuTime()
	if err := st.Maintain(start.Add(days*24*time.Hour), 48*time.Hour, 400*24*time.Hour); err != nil {
		t.Fatal(err)
	}
	t.Logf("prune: %.1fs CPU; import: %.1fs CPU", (cpuTime() - c0).Seconds(), cpu.Seconds())
	fmt.Printf("4000 hosts, %d days of hourly rows: state file %.1f MB\n", days, float64(fileSize(t, path))/1e6)
}

// TestHistoryDemoState writes $HISTORY_STATE: a day up to now of made-up
// history for web-01, db-01 and core-sw1 (db-01 lossy in the evening,
// core-sw1 down 40 min at 03:10, downtime stopped 2 h at 13:00), as the
// README's captured chart and report were made from:
//
//	HISTORY_STATE=/tmp/h.db go test -tags bench -run HistoryDemoState ./bench/
//	downtime --demo --state /tmp/h.db web-01 db-01 core-sw1   # ⏎ then 2
//	downtime report --state /tmp/h.db --since 24h
func TestHistoryDemoState(t *testing.T) {
	path := os.Getenv("HISTORY_STATE")
	if path == "" {
		t.Skip("set HISTORY_STATE to the state file to write")
	}
	st, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Now().UTC().Truncate(time.Minute)
	from := now.Add(-24 * time.Hour)
	ch := make(chan []history.Minute, 24*60+1)
	agg := history.NewAggregator(ch)
	rng := rand.New(rand.NewPCG(5, 6))
	hosts := []string{"web-01", "db-01", "core-sw1"}
	stopFrom := from.Truncate(24 * time.Hour).Add(13 * time.Hour)
	if stopFrom.Before(from) {
		stopFrom = stopFrom.Add(24 * time.Hour)
	}
	down := from.Truncate(24 * time.Hour).Add(3*time.Hour + 10*time.Minute)
	if down.Before(from) {
		down = down.Add(24 * time.Hour)
	}
	for at := from; at.Before(now); at = at.Add(time.Second) {
		if !at.Before(stopFrom) && at.Before(stopFrom.Add(2*time.Hour)) {
			continue
		}
		for i, h := range hosts {
			r := probe.Result{ID: probe.HostID(i + 1), At: at}
			base := []time.Duration{2 * time.Millisecond, 9 * time.Millisecond, 600 * time.Microsecond}[i]
			evening := at.Hour() >= 18 && at.Hour() < 22
			lossy := h == "db-01" && evening && rng.IntN(8) == 0
			cut := h == "core-sw1" && !at.Before(down) && at.Before(down.Add(40*time.Minute))
			if lossy || cut || rng.IntN(2000) == 0 {
				r.Err = probe.ErrTimeout
			} else {
				if h == "db-01" && evening {
					base *= 3
				}
				r.RTT = base + time.Duration(rng.ExpFloat64()*float64(base)/4)
			}
			agg.Record(h, time.Second, r)
		}
		for len(ch) > 0 {
			if err := st.WriteMinutes(<-ch); err != nil {
				t.Fatal(err)
			}
		}
	}
	agg.Flush()
	close(ch)
	for b := range ch {
		if err := st.WriteMinutes(b); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.OutageEnded("core-sw1", down, down.Add(40*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := st.Maintain(now, 48*time.Hour, 400*24*time.Hour); err != nil {
		t.Fatal(err)
	}
}
