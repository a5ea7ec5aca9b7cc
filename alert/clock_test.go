package alert

import (
	"sync"
	"testing"
	"time"

	"downtime/internal/fakebot"
)

// t0 is where the fake clocks start.
var t0 = time.Date(2026, 11, 26, 21, 4, 5, 0, time.UTC)

// fakeClock moves only when told (Advance, Set), or, when auto, by each
// wait: After(d) then moves the time d on and fires at once, so a chain of
// waits (backoff, pacing, retry_after) runs in microseconds and leaves its
// timing in the times it stamps.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	auto    bool
	waiters []waiter
}

type waiter struct {
	at time.Time
	ch chan time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{now: t0} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if c.auto && d > 0 {
		c.now = c.now.Add(d)
		d = 0
	}
	at := c.now.Add(d)
	if !at.After(c.now) {
		ch <- c.now
		return ch
	}
	c.waiters = append(c.waiters, waiter{at: at, ch: ch})
	return ch
}

// Set moves the time to t (never back) and fires the waits due by then.
func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.After(c.now) {
		c.now = t
	}
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if !w.at.After(c.now) {
			w.ch <- c.now
		} else {
			kept = append(kept, w)
		}
	}
	c.waiters = kept
}

// Advance moves the time on by d.
func (c *fakeClock) Advance(d time.Duration) { c.Set(c.Now().Add(d)) }

// hasWaiter reports whether someone waits for exactly at.
func (c *fakeClock) hasWaiter(at time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, w := range c.waiters {
		if w.at.Equal(at) {
			return true
		}
	}
	return false
}

// waitFor polls cond until it holds, failing t after a few seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// waitWaiter waits until someone waits for exactly at: the dispatcher or
// the outbox has planned its next step for then (and not for another time).
func (c *fakeClock) waitWaiter(t *testing.T, at time.Time) {
	t.Helper()
	waitFor(t, "a wait until "+at.Sub(t0).String()+" after t0", func() bool { return c.hasWaiter(at) })
}

// waitRetry waits until d's outbox waits for its next try: its status
// names the time and someone waits on the clock for exactly then. An
// Advance before that passes before the outbox arms its wait and is lost
// (flaky under load).
func (c *fakeClock) waitRetry(t *testing.T, d *running) {
	t.Helper()
	waitFor(t, "the outbox to wait for its retry", func() bool {
		at := d.Status().RetryAt
		return !at.IsZero() && c.hasWaiter(at)
	})
}

// delivered waits for bot's nth message, then for d's outbox to be done
// with it (nothing queued). The fake Bot API records a message before it
// answers, and the outbox reads the clock after the answer to pace the
// next send: a clock moved in between makes it pace from the new time and
// wait on a clock that only the test moves (flaky under load).
func delivered(t *testing.T, bot *fakebot.Server, d *running, n int) []fakebot.Sent {
	t.Helper()
	msgs := bot.WaitMessages(t, n, 5*time.Second)
	waitFor(t, "the outbox to be done", func() bool { return d.Queued() == 0 })
	return msgs
}
