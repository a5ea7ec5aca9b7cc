package main

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"downtime/history"
)

func TestWithUnwrittenAddsMergesAndSkips(t *testing.T) {
	t0 := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	minute := func(m, sent, lost int) history.Slot {
		return history.Slot{At: t0.Add(time.Duration(m) * time.Minute), Span: time.Minute, Sent: sent, Lost: lost, Watched: time.Duration(sent) * time.Second}
	}
	hour := history.Slot{At: t0.Add(-time.Hour), Span: time.Hour, Sent: 3600, Watched: time.Hour}
	stored := []history.Slot{hour, minute(0, 60, 0), minute(1, 60, 0), minute(3, 20, 0)}
	handed := []history.Slot{minute(1, 60, 0), minute(2, 60, 6)} // 10:01 written already, 10:02 not yet
	since := []history.Slot{minute(3, 30, 30), minute(4, 5, 5)}  // 10:03 began in a run before this one
	got := withUnwritten(stored, handed, since, t0.Add(-2*time.Hour), t0.Add(5*time.Minute))
	want := []struct {
		at         time.Time
		sent, lost int
	}{{hour.At, 3600, 0}, {t0, 60, 0}, {t0.Add(time.Minute), 60, 0}, {t0.Add(2 * time.Minute), 60, 6}, {t0.Add(3 * time.Minute), 50, 30}, {t0.Add(4 * time.Minute), 5, 5}}
	if len(got) != len(want) {
		t.Fatalf("%d slots, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		if !got[i].At.Equal(w.at) || got[i].Sent != w.sent || got[i].Lost != w.lost {
			t.Errorf("slot %d: %v sent %d lost %d, want %v sent %d lost %d", i, got[i].At, got[i].Sent, got[i].Lost, w.at, w.sent, w.lost)
		}
	}
	// Outside [from, to): left out.
	if got := withUnwritten(nil, handed, since, t0.Add(3*time.Minute), t0.Add(4*time.Minute)); len(got) != 1 || !got[0].At.Equal(t0.Add(3*time.Minute)) {
		t.Errorf("within 10:03–10:04: %+v", got)
	}
}

// The UI's history has the minute being filled: a few seconds after the
// start, before anything was written, a host's chart is not empty.
func TestLiveHistoryHasTheOpenMinute(t *testing.T) {
	a := newTestApp(t, "--demo", "--state", filepath.Join(t.TempDir(), "state.db"), "web-01")
	h := a.liveHistory()
	if h == nil {
		t.Fatal("no live history with a state file")
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.run(ctx) }()
	defer func() { cancel(); <-done }()

	deadline := time.Now().Add(10 * time.Second)
	for {
		now := time.Now()
		stored, err := a.store.HistorySlots("web-01", now.Add(-time.Hour), now)
		if err != nil {
			t.Fatal(err)
		}
		live, err := h.HistorySlots("web-01", now.Add(-time.Hour), now)
		if err != nil {
			t.Fatal(err)
		}
		sent := 0
		for _, s := range live {
			sent += s.Sent
		}
		if sent >= 3 {
			if len(stored) != 0 {
				t.Logf("the store had %d slots already", len(stored))
			}
			last := live[len(live)-1]
			if now.Sub(last.At) > time.Minute+history.Grace {
				t.Errorf("the last live slot is from %v, at %v", last.At, now)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 10 s the live history has %d probes of web-01 (store: %d slots)", sent, len(stored))
		}
		time.Sleep(200 * time.Millisecond)
	}
}
