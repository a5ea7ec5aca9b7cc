package alert

import (
	"strings"
	"testing"
	"time"

	"downtime/config"
	"downtime/internal/fakebot"
	"downtime/monitor"
)

// reloadRig is a dispatcher on a fake clock that talks to the fake Bot
// API, with core-sw1 configured with the user's schedule and every other
// host (those added at runtime) on defaults.
type reloadRig struct {
	t   *testing.T
	clk *fakeClock
	bot *fakebot.Server
	d   *running
}

func newReloadRig(t *testing.T, hosts []config.Host, defaults []time.Duration) *reloadRig {
	clk := newFakeClock()
	bot := fakebot.New(t, testToken, fakebot.WithClock(clk.Now))
	d := start(t, Options{GroupWindow: groupWin, Hosts: hosts, Reminders: schedule(defaults),
		Notifier: newTelegram(bot, "4242", nil), Clock: clk})
	return &reloadRig{t: t, clk: clk, bot: bot, d: d}
}

func confHost(name string, reminders ...time.Duration) config.Host {
	if reminders == nil {
		reminders = []time.Duration{}
	}
	return config.Host{Name: name, Address: addr(name), Reminders: reminders, Origin: config.OriginFile}
}

// step waits until the dispatcher sleeps until exactly at, moves the clock
// there, and, when want is not "", waits for the next message and checks
// that it holds want.
func (r *reloadRig) step(at time.Duration, want string) {
	r.t.Helper()
	r.clk.waitWaiter(r.t, t0.Add(at))
	n := len(r.bot.Messages())
	r.clk.Set(t0.Add(at))
	if want == "" {
		return
	}
	got := delivered(r.t, r.bot, r.d, n+1)[n].Text
	if !strings.Contains(got, want) {
		r.t.Errorf("at %v: message %q, want %q", at, got, want)
	}
}

// quiet moves the clock to until and checks that nothing came due
// meanwhile: a transition of host "barrier" then opens a window, and a
// reminder owed by then would share its message (missed steps are sent
// late, once), so the message must be the barrier's line alone.
func (r *reloadRig) quiet(until time.Duration) {
	r.t.Helper()
	n := len(r.bot.Messages())
	r.clk.Set(t0.Add(until))
	r.d.Transition(downAt("barrier", t0.Add(until)))
	r.step(until+groupWin, "")
	got := delivered(r.t, r.bot, r.d, n+1)[n:]
	if len(got) != 1 || !strings.HasPrefix(got[0].Text, "🔴 barrier (barrier.lan) is DOWN") || strings.Contains(got[0].Text, "\n") {
		r.t.Errorf("by %v, more than the barrier's DOWN:\n%s", until, strings.Join(texts(got), "\n"))
	}
	r.d.Transition(upAt("barrier", t0.Add(until), t0.Add(until+groupWin)))
	r.step(until+2*groupWin, "🟢 barrier is UP")
}

// TestReloadShortensTheSchedule: core-sw1 is down with reminders at 10 m,
// 30 m and 1 h; at 3 min a reload makes them ["5m"]: the reminder comes at
// 5 min, as the last one, and nothing after it.
func TestReloadShortensTheSchedule(t *testing.T) {
	r := newReloadRig(t, []config.Host{confHost("core-sw1", userSchedule...)}, userSchedule)
	r.d.Transition(downAt("core-sw1", t0))
	r.step(groupWin, "🔴 core-sw1 (core-sw1.lan) is DOWN since")
	r.clk.Set(t0.Add(3 * time.Minute))
	r.d.SetHosts([]config.Host{confHost("core-sw1", 5*time.Minute)})
	r.step(5*time.Minute, "")
	r.step(5*time.Minute+groupWin, "🔴 core-sw1 has been down for 00:05:00 (last reminder: no more until it recovers)")
	r.quiet(2 * time.Hour)
}

// TestReloadKeepsTheStepsSent: the 10-minute reminder went out; a reload
// makes the schedule 5 m, 8 m, 20 m: 5 m and 8 m lie before the step sent
// and are not sent (late) now; the next reminder is at 20 m. Then a reload
// to ["5m"]: nothing more.
func TestReloadKeepsTheStepsSent(t *testing.T) {
	r := newReloadRig(t, []config.Host{confHost("core-sw1", userSchedule...)}, userSchedule)
	r.d.Transition(downAt("core-sw1", t0))
	r.step(groupWin, "is DOWN since")
	r.step(10*time.Minute, "")
	r.step(10*time.Minute+groupWin, "🔴 core-sw1 has been down for 00:10:00")

	r.clk.Set(t0.Add(12 * time.Minute))
	r.d.SetHosts([]config.Host{confHost("core-sw1", 5*time.Minute, 8*time.Minute, 20*time.Minute)})
	r.step(20*time.Minute, "")
	r.step(20*time.Minute+groupWin, "🔴 core-sw1 has been down for 00:20:00 (last reminder")
	if n := len(r.bot.Messages()); n != 3 {
		t.Errorf("%d messages, want DOWN and the reminders at 10 m and 20 m:\n%s", n, strings.Join(texts(r.bot.Messages()), "\n"))
	}

	r.d.SetHosts([]config.Host{confHost("core-sw1", 5*time.Minute)})
	r.quiet(3 * time.Hour)
	back := r.clk.Now()
	r.d.Transition(upAt("core-sw1", t0, back))
	r.step(back.Sub(t0)+groupWin, "🟢 core-sw1 is UP after 03:00:10")
}

// TestReloadAddsAndRemovesHosts: a host a reload adds gets its DOWN and
// its own reminders; a host it removes (the monitor sends NoticeRemoved)
// gets no more reminders.
func TestReloadAddsAndRemovesHosts(t *testing.T) {
	r := newReloadRig(t, []config.Host{confHost("core-sw1", userSchedule...), confHost("old", userSchedule...)}, userSchedule)
	r.d.Transition(downAt("old", t0))
	r.step(groupWin, "🔴 old (old.lan) is DOWN")

	r.clk.Set(t0.Add(time.Minute))
	r.d.SetHosts([]config.Host{confHost("core-sw1", userSchedule...), confHost("new", 2*time.Minute, 4*time.Minute)})
	removed := downAt("old", t0)
	removed.From, removed.To, removed.At, removed.Notice = monitor.Down, monitor.Paused, t0.Add(time.Minute), monitor.NoticeRemoved
	r.d.Transition(removed)
	since := t0.Add(time.Minute)
	r.d.Transition(downAt("new", since))
	r.step(time.Minute+groupWin, "🔴 new (new.lan) is DOWN since 2026-11-26 21:05:05 UTC")
	r.step(3*time.Minute, "")
	r.step(3*time.Minute+groupWin, "🔴 new has been down for 00:02:00")
	r.step(5*time.Minute, "")
	r.step(5*time.Minute+groupWin, "🔴 new has been down for 00:04:00 (last reminder")
	r.quiet(3 * time.Hour) // nothing for old at 10 m, 30 m, 1 h
	for _, m := range r.bot.Messages() {
		if strings.Contains(m.Text, "old has been down") {
			t.Errorf("a reminder for a removed host: %q", m.Text)
		}
	}
}

// TestRuntimeHostsGetTheDefaults: a host added at runtime in the UI is in
// no config: it gets alerts and the default reminders, before and after a
// reload. One added in an earlier run comes with its own list (the store
// keeps it) and keeps it across the reload, which does not list it.
func TestRuntimeHostsGetTheDefaults(t *testing.T) {
	restored := confHost("rt-old", 3*time.Minute)
	restored.Origin = config.OriginRuntime
	r := newReloadRig(t, []config.Host{confHost("core-sw1", time.Hour), restored}, []time.Duration{2 * time.Minute})
	r.d.SetHosts([]config.Host{confHost("core-sw1", time.Hour)})
	r.d.Transition(downAt("rt-new", t0))
	r.d.Transition(downAt("rt-old", t0))
	r.step(groupWin, "🔴 2 DOWN")
	r.step(2*time.Minute, "")
	r.step(2*time.Minute+groupWin, "🔴 rt-new has been down for 00:02:00 (last reminder")
	r.step(3*time.Minute, "")
	r.step(3*time.Minute+groupWin, "🔴 rt-old has been down for 00:03:00 (last reminder")
	r.quiet(2 * time.Hour)
}
