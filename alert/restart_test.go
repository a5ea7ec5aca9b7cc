package alert_test

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"downtime/alert"
	"downtime/config"
	"downtime/internal/fakebot"
	"downtime/monitor"
	"downtime/store"
)

var t0 = time.Date(2026, 11, 26, 21, 4, 5, 0, time.UTC)

// manualClock moves only when told; Set fires the waits due.
type manualClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters map[time.Time][]chan time.Time
}

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *manualClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- c.now
		return ch
	}
	at := c.now.Add(d)
	c.waiters[at] = append(c.waiters[at], ch)
	return ch
}

// setWhenAwaited waits until someone waits for exactly at, then moves the
// time there.
func (c *manualClock) setWhenAwaited(t *testing.T, at time.Time) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		c.mu.Lock()
		_, ok := c.waiters[at]
		c.mu.Unlock()
		if ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("nobody waits for t0+%v", at.Sub(t0))
		}
		time.Sleep(time.Millisecond)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = at
	for w, chs := range c.waiters {
		if !w.After(at) {
			for _, ch := range chs {
				ch <- at
			}
			delete(c.waiters, w)
		}
	}
}

// TestRestartDuringOutage with the real state file: no second DOWN; the
// reminders go on on the original schedule, a step missed while stopped
// sent once; the recovery counts from the original DOWN.
func TestRestartDuringOutage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	clk := &manualClock{now: t0, waiters: map[time.Time][]chan time.Time{}}
	bot := fakebot.New(t, "110201543:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", fakebot.WithClock(clk.Now))
	sched := func(string) []time.Duration { return []time.Duration{10 * time.Minute, 30 * time.Minute, time.Hour} }
	run := func(open map[string]time.Time) (*alert.Dispatcher, func()) {
		t.Helper()
		st, err := store.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		tg := alert.NewTelegram(config.Telegram{Token: bot.Token, ChatID: "4242", APIURL: bot.URL}, nil)
		d, err := alert.New(alert.Options{GroupWindow: 5 * time.Second, Reminders: sched, Notifier: tg, Store: st, Clock: clk, Open: open})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { d.Run(ctx); close(done) }()
		return d, func() { cancel(); <-done; st.Close() }
	}

	// delivered waits for the nth message and for the outbox to be done
	// with it: the outbox reads the clock after Telegram answers, so moving
	// the clock before then would start its pacing from the new time, and
	// it would wait on a clock nobody moves (flaky under load).
	var d *alert.Dispatcher
	delivered := func(n int) []fakebot.Sent {
		t.Helper()
		msgs := bot.WaitMessages(t, n, 5*time.Second)
		deadline := time.Now().Add(5 * time.Second)
		for d.Queued() != 0 {
			if time.Now().After(deadline) {
				t.Fatalf("the outbox still holds %d messages after the %dth arrived", d.Queued(), n)
			}
			time.Sleep(time.Millisecond)
		}
		return msgs
	}

	d, stop := run(nil)
	d.Transition(monitor.Transition{Host: "core-sw1", Address: "198.18.0.1", From: monitor.Up, To: monitor.Down, At: t0, DownSince: t0})
	clk.setWhenAwaited(t, t0.Add(5*time.Second))
	delivered(1)
	clk.setWhenAwaited(t, t0.Add(10*time.Minute))
	clk.setWhenAwaited(t, t0.Add(10*time.Minute+5*time.Second))
	delivered(2)
	stop()

	// Stopped from 10 min to 50 min: the 30-minute step passed meanwhile.
	clk.mu.Lock()
	clk.now = t0.Add(50 * time.Minute)
	clk.mu.Unlock()
	d, stop = run(map[string]time.Time{"core-sw1": t0})
	defer stop()
	d.Transition(monitor.Transition{Host: "core-sw1", Address: "198.18.0.1", From: monitor.Down, To: monitor.Down,
		At: clk.Now(), DownSince: t0, Restored: true})
	clk.setWhenAwaited(t, t0.Add(50*time.Minute+5*time.Second))
	delivered(3)
	clk.setWhenAwaited(t, t0.Add(time.Hour))
	clk.setWhenAwaited(t, t0.Add(time.Hour+5*time.Second))
	delivered(4)
	clk.mu.Lock()
	clk.now = t0.Add(2 * time.Hour) // nothing waits: nothing is due until the recovery
	clk.mu.Unlock()
	d.Transition(monitor.Transition{Host: "core-sw1", Address: "198.18.0.1", From: monitor.Down, To: monitor.Up,
		At: t0.Add(2 * time.Hour), DownSince: t0})
	clk.setWhenAwaited(t, t0.Add(2*time.Hour+5*time.Second))
	msgs := delivered(5)

	want := []string{
		"🔴 core-sw1 (198.18.0.1) is DOWN since 2026-11-26 21:04:05 UTC (first lost probe)",
		"🔴 core-sw1 has been down for 00:10:00",
		"🔴 core-sw1 has been down for 00:50:00",
		"🔴 core-sw1 has been down for 01:00:00 (last reminder: no more until it recovers)",
		"🟢 core-sw1 is UP after 02:00:00",
	}
	var got []string
	for _, m := range msgs {
		got = append(got, m.Text)
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("messages:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
