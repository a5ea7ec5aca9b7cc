package alert

import (
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"downtime/config"
	"downtime/internal/fakebot"
)

// failNth is an http.RoundTripper that refuses the connection of its
// n-th request (counting from 1) and passes the others.
type failNth struct {
	base http.RoundTripper
	n    int64
	seen atomic.Int64
}

func (f *failNth) RoundTrip(r *http.Request) (*http.Response, error) {
	if f.seen.Add(1) == f.n {
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	}
	return f.base.RoundTrip(r)
}

// TestLongMessagePartsGoOnce covers issue 11 (reading) item 4: a message
// too long for one Telegram message goes as parts kept one by one, so when
// a later part fails, the parts before it are not sent again.
func TestLongMessagePartsGoOnce(t *testing.T) {
	clk := newFakeClock()
	clk.auto = true
	bot := fakebot.New(t, testToken, fakebot.WithClock(clk.Now))
	client := DefaultHTTPClient()
	client.Transport = &failNth{base: client.Transport, n: 2}
	tg := NewTelegram(config.Telegram{Token: bot.Token, ChatID: "4242", APIURL: bot.URL}, client)
	st := NewMemStore()
	d := start(t, Options{Notifier: tg, Clock: clk, Store: st})

	var lines []string
	for i := range 300 {
		lines = append(lines, strings.Repeat("x", 20)+" line "+string(rune('a'+i%26)))
	}
	text := strings.Join(lines, "\n") // about 9,000 characters: three parts
	d.out.commit([]Message{{Made: t0, Kind: "test", Text: text}}, nil, nil)
	waitFor(t, "the queue to empty", func() bool { return d.Status().Queued == 0 })
	got := texts(bot.Messages())
	if len(got) != 3 {
		t.Fatalf("%d messages delivered, want 3 parts once each: %.80q", len(got), got)
	}
	for i, want := range []string{"(1/3) ", "(2/3) ", "(3/3) "} {
		if !strings.HasPrefix(got[i], want) || utf16Len(got[i]) > MaxMessageLen {
			t.Errorf("message %d: %d long, starts %.20q; want %q first", i, utf16Len(got[i]), got[i], want)
		}
	}
	if n := len(bot.Requests()); n != 3 {
		t.Errorf("%d requests reached Telegram, want 3 (the refused one never did)", n)
	}
}

// lateStart starts a dispatcher whose link to Telegram is down, with the
// given reminders, on a fake clock.
func lateStart(t *testing.T, reminders []time.Duration) (*running, *fakeClock, *fakebot.Server, *switchable, *MemStore) {
	t.Helper()
	clk := newFakeClock()
	bot := fakebot.New(t, testToken, fakebot.WithClock(clk.Now))
	link := &switchable{}
	link.down.Store(true)
	st := NewMemStore()
	d := start(t, Options{Notifier: newTelegram(bot, "4242", link), Clock: clk, Store: st,
		Reminders: schedule(reminders)})
	return d, clk, bot, link, st
}

// heal plugs the link back in and lets every wait pass at once.
func heal(clk *fakeClock, link *switchable) {
	link.down.Store(false)
	clk.mu.Lock()
	clk.auto = true
	clk.mu.Unlock()
	clk.Advance(backoffMax)
}

// TestLateMessageSaysSo covers issue 10 item 6: a message that waited for
// Telegram says it is late, and since when Telegram could not be reached.
func TestLateMessageSaysSo(t *testing.T) {
	d, clk, bot, link, _ := lateStart(t, nil)
	d.Transition(downAt("a", t0))
	waitFor(t, "a failed try", func() bool { return d.Status().State == StateFailing })
	for range 14 { // seven minutes of retries
		clk.waitRetry(t, d)
		clk.Advance(backoffMax)
	}
	heal(clk, link)
	got := bot.WaitMessages(t, 1, 5*time.Second)[0]
	want := regexp.MustCompile(`^🔴 a \(a\.lan\) is DOWN since 2026-11-26 21:04:05 UTC \(first lost probe\)\n` +
		`⏳ sent late: Telegram was unreachable 21:04:05–(\d\d:\d\d:\d\d)$`)
	m := want.FindStringSubmatch(got.Text)
	if m == nil || m[1] != got.At.Format("15:04:05") {
		t.Errorf("late message:\n%s\nwant it to match %s, ending when it went (%s)", got.Text, want, got.At.Format("15:04:05"))
	}

	// On time again: no mark.
	d.Transition(downAt("b", clk.Now()))
	if got := bot.WaitMessages(t, 2, 5*time.Second)[1]; strings.Contains(got.Text, "late") {
		t.Errorf("a message on time is marked late: %q", got.Text)
	}
}

// TestQueuedOutageFoldsIntoOne covers issue 10 item 6: the DOWN, the
// reminder and the UP of an outage that ended while Telegram was out of
// reach go as one message, late, and nothing else about it; a message
// about another host keeps its place.
func TestQueuedOutageFoldsIntoOne(t *testing.T) {
	d, clk, bot, link, st := lateStart(t, []time.Duration{10 * time.Minute})
	d.Transition(downAt("a", t0))
	waitFor(t, "a's DOWN queued", func() bool { return d.Status().Queued == 1 })
	// The first failed try dates the trouble the late note names: it must
	// come before the clock moves on.
	waitFor(t, "a's first failed try", func() bool { return d.Status().State == StateFailing })
	clk.Set(t0.Add(time.Minute))
	d.Transition(downAt("b", clk.Now()))
	waitFor(t, "b's DOWN queued", func() bool { return d.Status().Queued == 2 })
	for range 19 { // ten and a half minutes of retries: a's reminder is made
		clk.waitRetry(t, d)
		clk.Advance(backoffMax)
	}
	waitFor(t, "a's reminder queued", func() bool { return d.Status().Queued == 3 })
	d.Transition(upAt("a", t0, clk.Now()))
	waitFor(t, "a's UP queued", func() bool { return d.Status().Queued == 4 })
	// b's reminder is made before the link heals too: made once the queue
	// moves, it could miss the queue's end, or say a later age.
	clk.Advance(backoffMax)
	waitFor(t, "b's reminder queued", func() bool { return d.Status().Queued == 5 })
	heal(clk, link)
	// b's reminder falls due at the heal's Advance: the dispatcher may
	// queue it after the outbox emptied the queue of the others.
	bot.WaitMessages(t, 3, 5*time.Second)
	waitFor(t, "the queue to empty", func() bool { return d.Status().Queued == 0 })

	got := texts(bot.Messages())
	if len(got) != 3 {
		t.Fatalf("%d messages, want 3 (a's outage in one, then b's DOWN and reminder):\n%s", len(got), strings.Join(got, "\n---\n"))
	}
	if !regexp.MustCompile(`^🔴 a \(a\.lan\) is DOWN since 2026-11-26 21:04:05 UTC \(first lost probe\)\n` +
		`🟢 a is UP after 00:10:30\n⏳ sent late: Telegram was unreachable 21:04:05–\d\d:\d\d:\d\d$`).MatchString(got[0]) {
		t.Errorf("a's outage:\n%s", got[0])
	}
	if !strings.HasPrefix(got[1], "🔴 b (b.lan) is DOWN") || !strings.HasPrefix(got[2], "🔴 b has been down for 00:10:00") {
		t.Errorf("b's messages out of place:\n%s", strings.Join(got[1:], "\n---\n"))
	}
	if p, _ := st.PendingOutbox(); len(p) != 0 {
		t.Errorf("folded messages still pending: %+v", p)
	}
}

// TestRefusedDownNamedInItsUp covers issue 11 (attack) item 9: a DOWN
// refused for good (here a redirect) does not leave its UP orphaned: the
// UP says which DOWN alert never arrived, and why.
func TestRefusedDownNamedInItsUp(t *testing.T) {
	clk := newFakeClock()
	clk.auto = true
	bot := fakebot.New(t, testToken, fakebot.WithClock(clk.Now))
	st := NewMemStore()
	d := start(t, Options{Notifier: newTelegram(bot, "4242", nil), Clock: clk, Store: st})
	bot.Script(fakebot.Fault{Code: 302, Description: "Found", HTML: true})
	d.Transition(downAt("a", t0))
	waitFor(t, "the DOWN to be given up", func() bool { return len(st.Failed()) == 1 })
	d.Transition(upAt("a", t0, t0.Add(3*time.Minute)))
	got := bot.WaitMessages(t, 1, 5*time.Second)[0].Text
	if !strings.HasPrefix(got, "🟢 a is UP after 00:03:00\n⚠ the DOWN alert of 21:04:05 was not delivered: telegram: 302") {
		t.Errorf("UP after a refused DOWN:\n%s", got)
	}
	// Said once: the next outage's message does not repeat it.
	d.Transition(downAt("a", clk.Now()))
	d.Transition(upAt("a", clk.Now(), clk.Now().Add(time.Minute)))
	for _, m := range texts(bot.WaitMessages(t, 2, 5*time.Second))[1:] {
		if strings.Contains(m, "not delivered") {
			t.Errorf("repeated: %s", m)
		}
	}
}

// monoClock is the wall clock, whose readings carry a monotonic reading.
type monoClock struct{ realClock }

// TestMessagesCarryWallClockOnly covers issue 10 item 2 on the alert side:
// the instants the dispatcher stamps (a message's Made, from which its
// lateness is reckoned) are wall-clock readings, like the monitor's, so an
// age never stops while the machine is paused.
func TestMessagesCarryWallClockOnly(t *testing.T) {
	st := NewMemStore()
	g := gateNotifier{entered: make(chan Message, 1), release: make(chan struct{})}
	d := start(t, Options{Notifier: g, Store: st, Clock: monoClock{}})
	d.Transition(downAt("a", time.Now().Round(0)))
	m := <-g.entered
	close(g.release)
	if strings.Contains(m.Made.String(), "m=") {
		t.Errorf("Made %v carries a monotonic reading", m.Made)
	}
}

// Review of main: a late DOWN folded with its UP tells an outage that is
// over, yet it carried the Ack and Mute 1h buttons of a running one.
func TestFoldedOutageCarriesNoButtons(t *testing.T) {
	clk := newFakeClock()
	bot := fakebot.New(t, testToken, fakebot.WithClock(clk.Now))
	link := &switchable{}
	link.down.Store(true)
	d := start(t, Options{Notifier: newTelegram(bot, "4242", link).WithButtons(), Clock: clk, Store: NewMemStore()})
	d.Transition(downAt("a", t0))
	waitFor(t, "a's DOWN queued", func() bool { return d.Status().Queued == 1 })
	clk.waitRetry(t, d)
	clk.Set(t0.Add(time.Minute))
	// The retries the minute set off have failed before the UP comes: a
	// try still on its way when the link heals would send the DOWN alone
	// (it was taken before the UP was queued), which under load it did.
	clk.waitRetry(t, d)
	d.Transition(upAt("a", t0, clk.Now()))
	waitFor(t, "a's UP queued", func() bool { return d.Status().Queued == 2 })
	heal(clk, link)
	msgs := bot.WaitMessages(t, 1, 5*time.Second)
	if !strings.Contains(msgs[0].Text, "🟢 a is UP after 00:01:00") {
		t.Fatalf("not folded:\n%s", msgs[0].Text)
	}
	if msgs[0].Markup != "" {
		t.Errorf("the folded DOWN and UP carry buttons: %s", msgs[0].Markup)
	}
}
