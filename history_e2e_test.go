package main

import (
	"encoding/csv"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"downtime/config"
)

// probedThenStopped runs a headless demo monitor of web-01 on state until
// /metrics counts at least n more probes of it than before, then stops it
// with SIGTERM.
func probedThenStopped(t *testing.T, dir, state string, n int) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	p := start(t, dir, "--no-ui", "--demo", "--state", state, "--metrics", addr, "web-01")
	p.waitFor(10*time.Second, "monitor started")
	deadline := time.Now().Add(20 * time.Second)
	for {
		probes := 0.0
		for _, m := range scrape(t, addr).families["downtime_probes_total"].GetMetric() {
			if hasLabels(m, []string{"host", "web-01"}) {
				probes += m.GetCounter().GetValue()
			}
		}
		if probes >= float64(n) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %v probes of web-01 within 20s", probes)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if code := p.stop(syscall.SIGTERM); code != exitOK {
		t.Fatalf("exit %d after SIGTERM", code)
	}
}

// reportedSent is the probes of web-01 that `downtime report` finds.
func reportedSent(t *testing.T, dir, state string) int {
	t.Helper()
	code, out, errOut := runOnce(t, dir, "", "report", "--state", state, "--since", "1d", "--format", "csv", "web-01")
	if code != exitOK {
		t.Fatalf("report: exit %d: %s", code, errOut)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(rows) != 2 || rows[0][13] != "sent" {
		t.Fatalf("report csv: %v\n%s", err, out)
	}
	n, err := strconv.Atoi(rows[1][13])
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// Issue 15: a restart keeps the history. A clean stop stores the minute
// being filled, a second run adds to it, and `downtime report` reads it.
func TestHistoryOutlivesRestarts(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, "state.db")
	probedThenStopped(t, dir, state, 3)
	first := reportedSent(t, dir, state)
	if first < 3 {
		t.Fatalf("report counts %d probes after the first run, want at least 3", first)
	}
	probedThenStopped(t, dir, state, 3)
	if second := reportedSent(t, dir, state); second < first+3 {
		t.Errorf("report counts %d probes after the second run, want at least %d", second, first+3)
	}
}

// Issue 15: the tmux script opens the detail view and switches the chart's
// range with 1–4, at 80×24 and 60×15, on history kept by an earlier run.
func TestTUIChartRanges(t *testing.T) {
	dir, err := os.MkdirTemp("", "dt")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	state := filepath.Join(dir, "state.db")
	probedThenStopped(t, dir, state, 2)
	for _, size := range [][2]int{{80, 24}, {60, 15}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			p := startInTmux(t, size[0], size[1], "--demo", "--state", state, "web-01")
			p.waitFor("start", "web-01", "q quit")
			// The probes' chart needs more than 15 rows beside the outage
			// list; the history charts take the list's room.
			probes := []string{"LATENCY  last", "lost┤"}
			if size[1] < 24 {
				probes = []string{"OUTAGES  0 recorded", "no outage recorded"}
			}
			p.keys("Enter")
			p.waitFor("enter", append(probes, "1-4 range")...)
			for _, step := range []struct{ key, title string }{{"2", "LATENCY  24 h"}, {"3", "LATENCY  7 d"}, {"4", "LATENCY  30 d"}} {
				p.keys(step.key)
				s := p.waitFor(step.key, step.title, "loss┤")
				// Most of the range was not watched: the loss row says so,
				// and the uptime says how much.
				if !strings.Contains(lossRow(s), "?") || !strings.Contains(s, "not watched") {
					t.Errorf("%s: no sign of the unwatched time:\n%s", step.key, s)
				}
			}
			p.keys("1")
			p.waitFor("1", probes...)
			p.keys("q")
			p.waitFor("q", "downtime exited 0")
		})
	}
}

// lossRow is the history chart's loss row on screen s.
func lossRow(s string) string {
	for _, l := range strings.Split(s, "\n") {
		if _, after, ok := strings.Cut(l, "loss┤"); ok {
			return after
		}
	}
	return ""
}

// A reload does not apply [history]: it says so, as for the other sections
// that need a restart.
func TestReloadSaysHistoryNeedsRestart(t *testing.T) {
	a := &app{cfg: config.Default(), opts: &options{}}
	changed := config.Default()
	changed.History.KeepMinutes = 72 * time.Hour
	if got := a.needsRestart(changed); len(got) != 1 || got[0] != "[history]" {
		t.Errorf("needsRestart = %q, want [history]", got)
	}
	if got := a.needsRestart(config.Default()); len(got) != 0 {
		t.Errorf("needsRestart with nothing changed = %q", got)
	}
}
