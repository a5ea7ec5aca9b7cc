package alert

import (
	"context"
	"strings"
	"testing"
	"time"

	"downtime/internal/fakebot"
)

// gateNotifier accepts every message, but only once released: a Send in
// flight that a test can hold.
type gateNotifier struct {
	entered chan Message
	release chan struct{}
}

func (gateNotifier) Validate() error { return nil }

func (g gateNotifier) Send(_ context.Context, m Message) error {
	g.entered <- m
	<-g.release
	return nil
}

// TestSentWhileStoppingIsMarkedSent: Telegram accepts a message just as
// the process stops. It was delivered: it must not stay pending and go a
// second time after the restart.
func TestSentWhileStoppingIsMarkedSent(t *testing.T) {
	st := NewMemStore()
	g := gateNotifier{entered: make(chan Message, 1), release: make(chan struct{})}
	d := start(t, Options{Notifier: g, Store: st})
	d.Transition(downAt("a", time.Now()))
	<-g.entered
	d.cancel()
	close(g.release)
	d.stop()
	if p, _ := st.PendingOutbox(); len(p) != 0 {
		t.Errorf("delivered, yet pending for the next start: %+v", p)
	}
}

// TestOutboxIsPrunedWhileRunning: sent messages older than keepSent are
// deleted while the process runs, not only at its start, so that a monitor
// that runs for months (with --no-state, in memory) does not keep every
// message it ever sent.
func TestOutboxIsPrunedWhileRunning(t *testing.T) {
	clk := newFakeClock()
	st := NewMemStore()
	d := start(t, Options{Store: st, Clock: clk})
	d.Transition(downAt("a", t0))
	waitFor(t, "a's DOWN to be sent", func() bool { p, _ := st.PendingOutbox(); return st.count() == 1 && len(p) == 0 })
	clk.Advance(keepSent + pruneEvery)
	d.Transition(downAt("b", clk.Now()))
	waitFor(t, "b's DOWN to be sent", func() bool {
		p, _ := st.PendingOutbox()
		return strings.Contains(d.Status().Last, "b (") && len(p) == 0
	})
	if n := st.count(); n != 1 {
		t.Errorf("%d messages kept, want only b's: a's was sent %v ago", n, keepSent+pruneEvery)
	}
}

// TestRequestTimeoutIsRetried: a 408 (a proxy in front of the Bot API
// gave up waiting for the request) is not a refusal: the message goes
// again, and arrives.
func TestRequestTimeoutIsRetried(t *testing.T) {
	clk := newFakeClock()
	clk.auto = true
	bot := fakebot.New(t, testToken, fakebot.WithClock(clk.Now))
	st := NewMemStore()
	d := start(t, Options{Notifier: newTelegram(bot, "4242", nil), Clock: clk, Store: st})
	bot.Script(fakebot.Fault{Code: 408, Description: "Request Timeout", HTML: true})
	d.Transition(downAt("a", t0))
	if got := bot.WaitMessages(t, 1, 5*time.Second); !strings.Contains(got[0].Text, "a (") {
		t.Errorf("delivered %q", got[0].Text)
	}
	if f := st.Failed(); len(f) != 0 {
		t.Errorf("given up: %v", f)
	}
}
