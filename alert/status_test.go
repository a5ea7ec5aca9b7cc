package alert

import (
	"context"
	"strings"
	"testing"
	"time"

	"downtime/internal/fakebot"
)

// TestStatusSaysUnreachableBeforeAnyAlert (issue 10 item 1): with the Bot
// API out of reach, the status says so from the start-up check on, not
// "ok" until an alert fails; the time it began holds while messages wait;
// each recent alert says queued, then sent; and once the Bot API answers
// again the status is ok, even with no message to find it out.
func TestStatusSaysUnreachableBeforeAnyAlert(t *testing.T) {
	clk := newFakeClock()
	bot := fakebot.New(t, testToken, fakebot.WithClock(clk.Now))
	link := &switchable{}
	tg := newTelegram(bot, "4242", link)
	d := start(t, Options{Notifier: tg, Clock: clk})
	if s := d.Status(); s.Health != HealthChecking || !s.Since.IsZero() {
		t.Errorf("before any request: %+v, want checking", s)
	}

	link.down.Store(true)
	_, err := tg.Me(context.Background())
	d.Checked(err)
	s := d.Status()
	if s.Health != HealthUnreachable || !s.Since.Equal(t0) || s.Short != "connection refused" || s.State != StateFailing || s.Queued != 0 {
		t.Fatalf("after a failed check: %+v", s)
	}

	clk.Advance(time.Minute)
	d.Transition(downAt("a", clk.Now()))
	waitFor(t, "a try to fail", func() bool {
		s := d.Status()
		return len(s.Recent) == 1 && s.Recent[0].Reason != ""
	})
	s = d.Status()
	if s.Health != HealthUnreachable || !s.Since.Equal(t0) || s.Queued != 1 {
		t.Errorf("while the message waits: %+v", s)
	}
	if r := s.Recent[0]; r.Delivery != DeliveryQueued || !strings.Contains(r.Text, "a (a.lan) is DOWN") || !strings.Contains(r.Reason, "connection refused") {
		t.Errorf("the waiting alert: %+v", r)
	}

	link.down.Store(false)
	clk.Advance(backoffMax)
	bot.WaitMessages(t, 1, 5*time.Second)
	waitFor(t, "the status to be ok", func() bool { return d.Status().Health == HealthOK })
	s = d.Status()
	if s.State != StateOK || s.Queued != 0 || len(s.Recent) != 1 || s.Recent[0].Delivery != DeliverySent || s.Recent[0].At.IsZero() {
		t.Errorf("after delivery: %+v", s)
	}

	// Unreachable again with nothing to send: a recheck finds it back.
	link.down.Store(true)
	_, err = tg.Me(context.Background())
	d.Checked(err)
	if d.Status().Health != HealthUnreachable {
		t.Fatalf("after the second failed check: %+v", d.Status())
	}
	link.down.Store(false)
	at := clk.Now().Add(recheckEvery)
	clk.waitWaiter(t, at)
	clk.Set(at)
	waitFor(t, "the recheck to find the Bot API back", func() bool { return d.Status().Health == HealthOK })
}

// TestStatusNamesARefusal (issue 10 item 1): a refusal for good is
// "refused" with a few words a person can act on, and the alert it met
// is marked failed.
func TestStatusNamesARefusal(t *testing.T) {
	tests := []struct {
		fault fakebot.Fault
		short string
	}{
		{fakebot.Kicked, "bot removed from chat"},
		{fakebot.Unauthorized, "bad token"},
		{fakebot.ChatNotFound, "chat not found"},
	}
	for _, tt := range tests {
		t.Run(tt.fault.Description, func(t *testing.T) {
			clk := newFakeClock()
			bot := fakebot.New(t, testToken, fakebot.WithClock(clk.Now))
			d := start(t, Options{Notifier: newTelegram(bot, "4242", nil), Clock: clk})
			bot.FailAll(tt.fault)
			d.Transition(downAt("a", t0))
			waitFor(t, "the alert to be given up", func() bool {
				s := d.Status()
				return len(s.Recent) == 1 && s.Recent[0].Delivery == DeliveryFailed
			})
			s := d.Status()
			if s.Health != HealthRefused || s.Short != tt.short || !s.Since.Equal(t0) || !strings.Contains(s.Reason, tt.fault.Description) {
				t.Errorf("status %+v, want refused: %s", s, tt.short)
			}
			if r := s.Recent[0]; !strings.Contains(r.Reason, tt.fault.Description) || !r.At.Equal(t0) {
				t.Errorf("the failed alert: %+v", r)
			}
		})
	}
}

// TestStatusWithTelegramOff: the log is the channel, every alert is
// sent as soon as written, and the health is off.
func TestStatusWithTelegramOff(t *testing.T) {
	d := start(t, Options{})
	d.Checked(nil)
	d.Transition(downAt("a", t0))
	waitFor(t, "the alert to be written", func() bool {
		s := d.Status()
		return len(s.Recent) == 1 && s.Recent[0].Delivery == DeliverySent
	})
	if s := d.Status(); s.Health != HealthOff || s.State != StateOff {
		t.Errorf("status %+v", s)
	}
}

// TestRecentKeepsTheLastAlertsNewestFirst: the list is bounded and each
// entry follows its own message, also past the bound.
func TestRecentKeepsTheLastAlertsNewestFirst(t *testing.T) {
	var r recentList
	for i := range recentKept + 3 {
		r.add(Message{Text: "m" + string(rune('a'+i)), Made: t0.Add(time.Duration(i) * time.Second)}, uint64(i+1))
	}
	r.update(2, DeliverySent, t0, "") // fell off the list: nothing happens
	r.update(uint64(recentKept+3), DeliverySent, t0, "")
	got := r.newestFirst()
	if len(got) != recentKept || got[0].Text != "m"+string(rune('a'+recentKept+2)) || got[0].Delivery != DeliverySent || got[1].Delivery != DeliveryQueued {
		t.Errorf("recent: %+v", got)
	}
	if got[len(got)-1].Text != "md" {
		t.Errorf("oldest kept: %+v", got[len(got)-1])
	}
}
