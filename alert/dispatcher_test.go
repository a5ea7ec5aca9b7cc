package alert

import (
	"errors"
	"strings"
	"testing"
	"time"

	"downtime/internal/fakebot"
	"downtime/monitor"
)

// TestScheduleThroughTelegram is the reminder schedule end to end with an
// injected clock: transitions in, Telegram messages out of the fake Bot
// API. DOWN, then exactly the reminders at 10 m, 30 m and 1 h, nothing at
// 2 h or 5 h, then UP with the right length; the hour takes microseconds.
func TestScheduleThroughTelegram(t *testing.T) {
	clk := newFakeClock()
	bot := fakebot.New(t, testToken, fakebot.WithClock(clk.Now), fakebot.WithChats("4242"))
	log, _ := testLogger()
	d := start(t, Options{GroupWindow: 5 * time.Second, Reminders: schedule(userSchedule),
		Notifier: newTelegram(bot, "4242", nil), Clock: clk, Log: log})

	d.Transition(downAt("core-sw1", t0))
	clk.waitWaiter(t, t0.Add(5*time.Second)) // the group window
	clk.Set(t0.Add(5 * time.Second))
	first := delivered(t, bot, d, 1)[0]
	if first.Text != "🔴 core-sw1 (core-sw1.lan) is DOWN since 2026-11-26 21:04:05 UTC (first lost probe)" || first.ParseMode != "HTML" || first.ChatID != "4242" {
		t.Errorf("DOWN message %+v", first)
	}

	// Literal, not FormatOutage(step): the test must not ask the code
	// under test what to expect (issue 11, tests).
	reminded := []string{"has been down for 00:10:00", "has been down for 00:30:00", "has been down for 01:00:00"}
	for i, step := range userSchedule {
		due := t0.Add(step)
		clk.waitWaiter(t, due) // the dispatcher sleeps until the step, not before
		clk.Set(due)
		clk.waitWaiter(t, due.Add(5*time.Second))
		clk.Set(due.Add(5 * time.Second))
		got := delivered(t, bot, d, 2+i)[1+i]
		if want := reminded[i]; !strings.Contains(got.Text, want) || !got.At.Equal(due.Add(5*time.Second)) {
			t.Errorf("reminder %d: %q at %v, want %q at %v", i+1, got.Text, got.At.Sub(t0), want, step+5*time.Second)
		}
	}
	if last := bot.Messages()[3].Text; !strings.Contains(last, "no more until it recovers") {
		t.Errorf("the last reminder does not promise silence: %q", last)
	}

	// Nothing more is planned: the clock may run to 2 h and 5 h.
	waitFor(t, "the dispatcher to sleep without a timer", func() bool {
		clk.mu.Lock()
		defer clk.mu.Unlock()
		return len(clk.waiters) == 0
	})
	clk.Set(t0.Add(2 * time.Hour))
	clk.Set(t0.Add(5 * time.Hour))

	d.Transition(upAt("core-sw1", t0, t0.Add(5*time.Hour)))
	clk.waitWaiter(t, t0.Add(5*time.Hour+5*time.Second))
	clk.Set(t0.Add(5*time.Hour + 5*time.Second))
	msgs := delivered(t, bot, d, 5)
	if len(msgs) != 5 || msgs[4].Text != "🟢 core-sw1 is UP after 05:00:00" {
		t.Errorf("messages:\n%s", strings.Join(texts(msgs), "\n"))
	}
	if s := d.Status(); s.State != StateOK || s.String() != "ok" {
		t.Errorf("status %+v (%s)", s, s)
	}
}

// TestParentsThroughTelegram: a switch and the hosts behind it drop; one
// message. It comes back with one of them still down; one message saying so.
func TestParentsThroughTelegram(t *testing.T) {
	bot := fakebot.New(t, testToken)
	d := start(t, Options{GroupWindow: 200 * time.Millisecond, Reminders: schedule(userSchedule),
		Notifier: newTelegram(bot, "4242", nil)})
	now := time.Now()
	child := func(name string, to monitor.State) monitor.Transition {
		tr := downAt(name, now)
		if to == monitor.Up {
			tr = upAt(name, now, time.Now())
		}
		tr.Parent = "sw1"
		return tr
	}
	d.Transition(child("web-1", monitor.Down))
	d.Transition(downAt("sw1", now))
	d.Transition(child("web-2", monitor.Down))
	d.Transition(child("web-3", monitor.Down))
	msg := bot.WaitMessages(t, 1, 5*time.Second)[0].Text
	if !containsAll(msg, "🔴 sw1 (sw1.lan) is DOWN", "└ behind it, unreachable too: web-1 … web-3") || strings.Contains(msg, "web-1 (") {
		t.Errorf("storm message:\n%s", msg)
	}
	d.Transition(upAt("sw1", now, time.Now()))
	d.Transition(child("web-1", monitor.Up))
	d.Transition(child("web-2", monitor.Up))
	msg = bot.WaitMessages(t, 2, 5*time.Second)[1].Text
	if !containsAll(msg, "🟢 sw1 is UP after", "└ back with it: web-1, web-2", "└ still down behind it: web-3") {
		t.Errorf("recovery message:\n%s", msg)
	}
	d.Transition(child("web-3", monitor.Up))
	if msg := bot.WaitMessages(t, 3, 5*time.Second)[2].Text; !strings.HasPrefix(msg, "🟢 web-3 is UP after") {
		t.Errorf("late recovery: %q", msg)
	}
}

// TestUnreachableThenDelivered: Telegram cannot be reached while ten
// transitions happen (refused connections, cut connections, 500, 502);
// once it can, all ten arrive, in order, none twice.
func TestUnreachableThenDelivered(t *testing.T) {
	clk := newFakeClock()
	bot := fakebot.New(t, testToken, fakebot.WithClock(clk.Now))
	link := &switchable{}
	log, logs := testLogger()
	d := start(t, Options{Notifier: newTelegram(bot, "4242", link), Clock: clk, Log: log})

	link.down.Store(true)
	hosts := []string{"h01", "h02", "h03", "h04", "h05", "h06", "h07", "h08", "h09", "h10"}
	for i, h := range hosts {
		// No grouping (window 0): one message per transition.
		d.Transition(downAt(h, clk.Now()))
		waitFor(t, "the message to be queued", func() bool { return d.Status().Queued == i+1 })
		if i == 4 {
			// Half way, Telegram answers, badly: a 500, a proxy's 502
			// page, then cut connections.
			bot.FailAll(fakebot.Cut)
			bot.Script(fakebot.ServerError, fakebot.BadGateway)
			link.down.Store(false)
		}
		// A retry is due each time: the clock moves once the outbox
		// waits out its backoff, else the Advance could come first and
		// be lost (flaky under load).
		clk.waitRetry(t, d)
		clk.Advance(backoffMax)
	}
	waitFor(t, "the scripted faults to be used", func() bool { return len(bot.Requests()) >= 3 })
	clk.waitRetry(t, d)
	clk.Advance(backoffMax)
	if n := len(bot.Messages()); n != 0 {
		t.Fatalf("%d messages delivered while Telegram failed", n)
	}
	if s := d.Status(); s.State != StateFailing || s.Queued != 10 || s.Reason == "" {
		t.Errorf("status while failing: %+v", s)
	}

	bot.Heal()
	clk.mu.Lock()
	clk.auto = true // from here every wait (pacing) passes at once
	clk.mu.Unlock()
	clk.Advance(backoffMax)
	got := bot.WaitMessages(t, 10, 5*time.Second)
	for i, m := range got {
		if !strings.Contains(m.Text, hosts[i]+" (") {
			t.Errorf("message %d is %q, want %s's", i, m.Text, hosts[i])
		}
	}
	waitFor(t, "the queue to empty", func() bool { return d.Status().Queued == 0 })
	if n := len(bot.Messages()); n != 10 {
		t.Errorf("%d messages delivered, want exactly 10 (none twice)", n)
	}
	for i := 1; i < len(got); i++ {
		if got[i].At.Sub(got[i-1].At) < time.Second {
			t.Errorf("messages %d and %d %v apart: faster than one a second", i-1, i, got[i].At.Sub(got[i-1].At))
		}
	}
	if s := d.Status(); s.State != StateOK {
		t.Errorf("status after recovery: %+v", s)
	}
	out := logs.String()
	for _, want := range []string{`msg="alert delivery failed"`, "connection refused", "retry_in=", "telegram: 500 Internal Server Error",
		"telegram: 502 Bad Gateway", `msg="alert sent" hosts=h01 kind=down attempts=`} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q", want)
		}
	}
}

// TestOutcomeUnknownMayArriveTwice: the connection breaks after Telegram
// took the message; the retry sends it again. That is the only duplicate.
func TestOutcomeUnknownMayArriveTwice(t *testing.T) {
	clk := newFakeClock()
	clk.auto = true
	bot := fakebot.New(t, testToken, fakebot.WithClock(clk.Now))
	log, logs := testLogger()
	d := start(t, Options{Notifier: newTelegram(bot, "4242", nil), Clock: clk, Log: log})
	bot.Script(fakebot.CutAfterSend)
	d.Transition(downAt("a", t0))
	bot.WaitMessages(t, 2, 5*time.Second)
	d.Transition(downAt("b", t0))
	got := texts(bot.WaitMessages(t, 3, 5*time.Second))
	if len(got) != 3 || got[0] != got[1] || !strings.Contains(got[2], "b (") {
		t.Errorf("messages %q: want a's twice, then b's", got)
	}
	if !strings.Contains(logs.String(), "outcome=\"unknown: it may arrive twice\"") {
		t.Errorf("the log does not say the outcome was unknown:\n%s", logs)
	}
}

// TestRetryAfterIsHonouredExactly: a 429 with retry_after = 3 → the next
// try comes 3 s later, not sooner (and not needlessly later).
func TestRetryAfterIsHonouredExactly(t *testing.T) {
	clk := newFakeClock()
	bot := fakebot.New(t, testToken, fakebot.WithClock(clk.Now))
	log, logs := testLogger()
	d := start(t, Options{Notifier: newTelegram(bot, "4242", nil), Clock: clk, Log: log})
	bot.Script(fakebot.TooManyRequests(3))
	d.Transition(downAt("a", t0))
	first := bot.WaitRequests(t, 1, 5*time.Second)[0]
	if first.Reply != "429" {
		t.Fatalf("first reply %s", first.Reply)
	}
	clk.waitWaiter(t, first.At.Add(3*time.Second))
	clk.Advance(3*time.Second - time.Millisecond)
	if n := len(bot.Requests()); n != 1 {
		t.Fatalf("%d requests before retry_after passed", n)
	}
	clk.Advance(time.Millisecond)
	second := bot.WaitRequests(t, 2, 5*time.Second)[1]
	if gap := second.At.Sub(first.At); gap != 3*time.Second || second.Reply != "ok" {
		t.Errorf("second try %v after the 429 (%s), want exactly 3s", gap, second.Reply)
	}
	if !strings.Contains(logs.String(), "err=\"telegram: 429 Too Many Requests: retry after 3\" retry_in=3s") {
		t.Errorf("log:\n%s", logs)
	}
}

// TestPacing: about one message a second to a chat; at most 20 a minute
// to a group or channel.
func TestPacing(t *testing.T) {
	for _, c := range []struct {
		chat      string
		perMinute bool
	}{{"4242", false}, {"-1001234567890", true}, {"@downtime_alerts", true}} {
		t.Run(c.chat, func(t *testing.T) {
			clk := newFakeClock()
			clk.auto = true
			bot := fakebot.New(t, testToken, fakebot.WithClock(clk.Now))
			st := NewMemStore()
			d := start(t, Options{Notifier: newTelegram(bot, c.chat, nil), Clock: clk, Store: st})
			for i := range 45 {
				d.Transition(downAt(string(rune('A'+i)), t0))
				waitFor(t, "queued", func() bool { return st.count() == i+1 })
			}
			got := bot.WaitMessages(t, 45, 10*time.Second)
			for i := 1; i < len(got); i++ {
				if gap := got[i].At.Sub(got[i-1].At); gap < time.Second {
					t.Errorf("messages %d, %d only %v apart", i-1, i, gap)
				}
				if got[i].ChatID != c.chat {
					t.Errorf("chat %q", got[i].ChatID)
				}
			}
			for i := 20; i < len(got); i++ {
				span := got[i].At.Sub(got[i-20].At)
				if c.perMinute && span < time.Minute {
					t.Errorf("21 messages within %v to a group", span)
				}
				if !c.perMinute && span > 30*time.Second {
					t.Errorf("a private chat was held to the group limit: 21 messages in %v", span)
				}
			}
		})
	}
}

// TestRefusedForGood: a message Telegram refuses for good (bad token, bot
// removed, chat not found) is kept as failed, not retried; the reason
// shows in the status and the log; later messages still go once fixed.
func TestRefusedForGood(t *testing.T) {
	for _, f := range []fakebot.Fault{fakebot.Unauthorized, fakebot.Kicked, fakebot.ChatNotFound} {
		t.Run(f.Description, func(t *testing.T) {
			clk := newFakeClock()
			bot := fakebot.New(t, testToken, fakebot.WithClock(clk.Now))
			log, logs := testLogger()
			st := NewMemStore()
			d := start(t, Options{Notifier: newTelegram(bot, "4242", nil), Clock: clk, Log: log, Store: st})
			bot.FailAll(f)
			d.Transition(downAt("a", t0))
			refused := bot.WaitRequests(t, 1, 5*time.Second)[0]
			waitFor(t, "the message to be given up", func() bool { return d.Status().Queued == 0 })
			s := d.Status()
			if s.State != StateFailing || s.Failed != 1 || !strings.Contains(s.String(), f.Description) {
				t.Errorf("status %+v (%s)", s, s)
			}
			if failed := st.Failed(); len(failed) != 1 || !strings.Contains(failed[1], f.Description) {
				t.Errorf("kept as failed: %v", failed)
			}
			// Not retried, and the line says so: no retry_in=, but when the
			// next message goes and what to fix.
			want := `msg="alert delivery failed" err="telegram: ` + refused.Reply + " " + f.Description +
				`" hosts=a kind=down kept="failed, not retried" next_alert_in=30s fix="check [telegram] token and chat_id`
			// The outbox logs after it takes the message off the queue.
			for deadline := time.Now().Add(5 * time.Second); !strings.Contains(logs.String(), want) && time.Now().Before(deadline); {
				time.Sleep(time.Millisecond)
			}
			if !strings.Contains(logs.String(), want) ||
				strings.Contains(logs.String(), "retry_in=") {
				t.Errorf("log lacks %s:\n%s", want, logs)
			}

			// The config is fixed; the next message waits the hold-off
			// (one request every 30 s while broken), then goes.
			bot.Heal()
			d.Transition(downAt("b", t0))
			clk.waitWaiter(t, refused.At.Add(holdOff))
			if n := len(bot.Requests()); n != 1 {
				t.Errorf("%d requests before the hold-off passed: the refused one was retried?", n)
			}
			clk.Set(refused.At.Add(holdOff))
			if got := bot.WaitMessages(t, 1, 5*time.Second); !strings.Contains(got[0].Text, "b (") {
				t.Errorf("after the fix: %q", got[0].Text)
			}
			waitFor(t, "ok", func() bool { return d.Status().State == StateOK })
		})
	}
}

// TestBrokenHTMLGoesAsPlainText: if Telegram cannot parse a message's HTML
// it goes again as plain text rather than not at all.
func TestBrokenHTMLGoesAsPlainText(t *testing.T) {
	bot := fakebot.New(t, testToken)
	tg := newTelegram(bot, "4242", nil)
	if err := tg.Send(t.Context(), Message{Text: "a & <b> &amp; c"}); err != nil {
		t.Fatal(err)
	}
	got := bot.Messages()
	if len(got) != 1 || got[0].Text != "a & <b> & c" || got[0].ParseMode != "" {
		t.Errorf("sent %+v", got)
	}
}

// TestOutboxResumesAfterRestart: messages still queued when the process
// stops go out when it starts again, in order.
func TestOutboxResumesAfterRestart(t *testing.T) {
	st := NewMemStore()
	bot := fakebot.New(t, testToken)
	bot.FailAll(fakebot.ServerError)
	d := start(t, Options{Notifier: newTelegram(bot, "4242", nil), Store: st})
	for i, h := range []string{"a", "b", "c"} {
		d.Transition(downAt(h, time.Now()))
		waitFor(t, "queued", func() bool { return d.Status().Queued == i+1 })
	}
	d.stop()
	if len(bot.Messages()) != 0 {
		t.Fatal("delivered while failing")
	}

	// The restarted one talks to a Bot API that works. It is another fake,
	// so that a request of the first one still on its way when it stopped
	// fails as it would have, rather than arriving after a Heal as a
	// fourth message (which under load it did).
	healthy := fakebot.New(t, testToken)
	start(t, Options{Notifier: newTelegram(healthy, "4242", nil), Store: st})
	got := texts(healthy.WaitMessages(t, 3, 10*time.Second))
	for i, h := range []string{"a", "b", "c"} {
		if !strings.HasPrefix(got[i], "🔴 "+h+" (") {
			t.Errorf("message %d: %q", i, got[i])
		}
	}
}

// TestStoreFailureStillAlerts: when the state file cannot be written the
// alert still goes; the failure is logged.
func TestStoreFailureStillAlerts(t *testing.T) {
	st := NewMemStore()
	bot := fakebot.New(t, testToken)
	log, logs := testLogger()
	d := start(t, Options{Notifier: newTelegram(bot, "4242", nil), Store: st, Log: log})
	st.FailWith(errors.New("disk full"))
	d.Transition(downAt("a", time.Now()))
	bot.WaitMessages(t, 1, 5*time.Second)
	waitFor(t, "the log line", func() bool { return strings.Contains(logs.String(), `msg="alert not saved" err="disk full"`) })
}

// TestWithoutTelegram: alerts go to the log, as plain text; the status
// says off.
func TestWithoutTelegram(t *testing.T) {
	log, logs := testLogger()
	d := start(t, Options{Log: log, GroupWindow: 10 * time.Millisecond})
	d.Transition(downAt("<db>", time.Date(2026, 11, 26, 21, 4, 5, 0, time.UTC)))
	waitFor(t, "the alert in the log", func() bool { return strings.Contains(logs.String(), `msg=alert`) })
	out := logs.String()
	if !containsAll(out, "level=WARN", "kind=down", "hosts=<db>", `text="🔴 <db> (<db>.lan) is DOWN since 2026-11-26 21:04:05 UTC (first lost probe)"`) {
		t.Errorf("log:\n%s", out)
	}
	if strings.Contains(out, "alert sent") {
		t.Error(`"alert sent" logged without Telegram`)
	}
	if s := d.Status(); s.State != StateOff || s.String() != "off" {
		t.Errorf("status %+v", s)
	}
}

// TestTransitionNeverBlocks: with Telegram hanging and nobody running the
// dispatcher, queuing transitions returns at once.
func TestTransitionNeverBlocks(t *testing.T) {
	bot := fakebot.New(t, testToken)
	bot.FailAll(fakebot.Hang)
	d, err := New(Options{Notifier: newTelegram(bot, "4242", nil)})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		for i := range 10000 {
			d.Transition(downAt(string(rune(i)), time.Now()))
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Transition blocked")
	}
	_ = d.Status() // and the status answers
}
