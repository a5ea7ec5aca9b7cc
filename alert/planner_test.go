package alert

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"downtime/config"
	"downtime/monitor"
)

// The user's schedule: reminders at 10 min, 30 min and 1 h of outage.
var userSchedule = []time.Duration{10 * time.Minute, 30 * time.Minute, time.Hour}

const groupWin = 5 * time.Second

// plan drives a planner through time by hand: every step is a call with
// the time passed in, so hours take microseconds.
type plan struct {
	t       *testing.T
	p       *planner
	now     time.Time
	since   map[string]time.Time
	parents map[string]string
}

func newPlan(t *testing.T, schedules map[string][]time.Duration) *plan {
	return &plan{
		t: t,
		p: newPlanner(groupWin, func(h string) []time.Duration {
			if s, ok := schedules[h]; ok {
				return s
			}
			return userSchedule
		}),
		now:     t0,
		since:   map[string]time.Time{},
		parents: map[string]string{},
	}
}

func addr(name string) string { return name + ".lan" }

func (pl *plan) tr(name string, from, to monitor.State) monitor.Transition {
	return monitor.Transition{Host: name, Address: addr(name), Parent: pl.parents[name], From: from, To: to, At: pl.now}
}

// down makes hosts go DOWN now.
func (pl *plan) down(names ...string) {
	for _, name := range names {
		t := pl.tr(name, monitor.Up, monitor.Down)
		t.DownSince = pl.now
		pl.since[name] = pl.now
		pl.p.observe(t, pl.now)
	}
}

// up makes hosts come UP now.
func (pl *plan) up(names ...string) {
	for _, name := range names {
		t := pl.tr(name, monitor.Down, monitor.Up)
		t.DownSince = pl.since[name]
		pl.p.observe(t, pl.now)
	}
}

func (pl *plan) notice(name string, n monitor.Notice) {
	t := pl.tr(name, monitor.Down, monitor.Paused)
	t.DownSince, t.Notice = pl.since[name], n
	if n == monitor.NoticeResumed {
		t.To, t.Restored = monitor.Down, true
	}
	pl.p.observe(t, pl.now)
}

// wait moves the time on by d, asking the planner at every moment it
// asked to be asked (next), as the Dispatcher does; it returns the texts
// of the messages made meanwhile.
func (pl *plan) wait(d time.Duration) []string {
	pl.t.Helper()
	until := pl.now.Add(d)
	var texts []string
	for _, m := range pl.p.due(pl.now) { // as the Dispatcher does after every transition
		texts = append(texts, m.Text)
	}
	for {
		next := pl.p.next()
		if next.IsZero() || next.After(until) {
			break
		}
		if next.Before(pl.now) {
			pl.t.Fatalf("next %v is in the past (now %v)", next.Sub(t0), pl.now.Sub(t0))
		}
		pl.now = next
		for _, m := range pl.p.due(pl.now) {
			texts = append(texts, m.Text)
		}
	}
	pl.now = until
	for _, m := range pl.p.due(pl.now) {
		texts = append(texts, m.Text)
	}
	return texts
}

// expect checks that exactly one message was made, containing every one
// of want, and returns it.
func (pl *plan) expect(texts []string, want ...string) string {
	pl.t.Helper()
	if len(texts) != 1 {
		pl.t.Fatalf("at %v: %d messages, want 1 with %q:\n%s", pl.now.Sub(t0), len(texts), want, strings.Join(texts, "\n---\n"))
	}
	for _, w := range want {
		if !strings.Contains(texts[0], w) {
			pl.t.Errorf("at %v: message lacks %q:\n%s", pl.now.Sub(t0), w, texts[0])
		}
	}
	return texts[0]
}

func (pl *plan) expectNone(texts []string) {
	pl.t.Helper()
	if len(texts) != 0 {
		pl.t.Fatalf("at %v: want no message, got:\n%s", pl.now.Sub(t0), strings.Join(texts, "\n---\n"))
	}
}

// TestReminderSchedule: DOWN, then exactly the reminders at 10 m, 30 m and
// 1 h of outage, nothing at 2 h or 5 h, then UP with the right length.
func TestReminderSchedule(t *testing.T) {
	pl := newPlan(t, nil)
	pl.down("core-sw1")
	down := pl.expect(pl.wait(groupWin), "")
	if want := "🔴 core-sw1 (core-sw1.lan) is DOWN since 2026-11-26 21:04:05 UTC (first lost probe)"; down != want {
		t.Errorf("DOWN message %q, want %q", down, want)
	}

	steps := []struct {
		at   time.Duration
		want string
	}{
		{10 * time.Minute, "🔴 core-sw1 has been down for 00:10:00"},
		{30 * time.Minute, "🔴 core-sw1 has been down for 00:30:00"},
		{time.Hour, "🔴 core-sw1 has been down for 01:00:00 (last reminder: no more until it recovers)"},
	}
	for _, s := range steps {
		// Nothing before the step; the reminder comes with the window
		// that its coming due opened.
		pl.expectNone(pl.wait(t0.Add(s.at).Sub(pl.now) - time.Millisecond))
		if got := pl.expect(pl.wait(groupWin + time.Millisecond)); got != s.want {
			t.Errorf("at %v: %q, want %q", s.at, got, s.want)
		}
	}
	pl.expectNone(pl.wait(2*time.Hour - pl.now.Sub(t0)))
	pl.expectNone(pl.wait(3 * time.Hour)) // 5 h
	if next := pl.p.next(); !next.IsZero() {
		t.Errorf("after the last reminder the planner still wants to wake at %v", next.Sub(t0))
	}
	pl.up("core-sw1")
	if got := pl.expect(pl.wait(groupWin)); got != "🟢 core-sw1 is UP after 05:00:00" {
		t.Errorf("UP message %q", got)
	}
	if len(pl.p.hosts) != 0 || pl.p.win != nil {
		t.Errorf("state left after the recovery: %d hosts, groupWin %v", len(pl.p.hosts), pl.p.win)
	}
}

func TestNoRemindersWhenTheListIsEmpty(t *testing.T) {
	pl := newPlan(t, map[string][]time.Duration{"quiet": {}, "custom": {time.Minute}})
	pl.down("quiet", "custom")
	pl.expect(pl.wait(groupWin), "quiet", "custom")
	got := pl.wait(2 * time.Hour)
	pl.expect(got, "🔴 custom has been down for 00:01:00 (last reminder")
	pl.up("quiet")
	pl.expect(pl.wait(groupWin), "🟢 quiet is UP after 02:00:05")
}

// TestGroupingStorm: thirty hosts dropping together are one message
// listing each; their recoveries are one message too; DOWN and UP news of
// one window are listed apart.
func TestGroupingStorm(t *testing.T) {
	pl := newPlan(t, nil)
	var hosts []string
	for i := range 30 {
		hosts = append(hosts, fmt.Sprintf("web-%02d", i))
	}
	for i, h := range hosts {
		pl.now = t0.Add(time.Duration(i) * 100 * time.Millisecond) // spread over 3 s, as probes are
		pl.down(h)
	}
	// Issue 10 item 4: one line, the hosts sorted and folded, the span of
	// their first lost probes.
	msg := pl.expect(pl.wait(groupWin), "🔴 30 DOWN\n🔴 30 hosts are DOWN since 2026-11-26 21:04:05–21:04:07 UTC (first lost probes): web-00 … web-29")
	if strings.Count(msg, "\n") != 1 {
		t.Errorf("the storm takes more than a summary and one line:\n%s", msg)
	}

	// The 10-minute reminders of the storm come together too, folded on
	// the age they share: one line, not thirty.
	msg = pl.expect(pl.wait(10*time.Minute), "🔴 30 still down\n🔴 30 hosts still down for 00:10:00: web-00 … web-29")
	if strings.Count(msg, "\n") != 1 {
		t.Errorf("the reminders take more than a summary and one line:\n%s", msg)
	}

	// Mixed news: one host up, one new down.
	pl.wait(time.Minute)
	pl.up("web-03")
	pl.down("db-1")
	msg = pl.expect(pl.wait(groupWin), "🔴 1 DOWN · 🟢 1 UP", "🔴 db-1 (db-1.lan) is DOWN since", "🟢 web-03 is UP after 00:11:")
	if strings.Index(msg, "db-1") > strings.Index(msg, "web-03") {
		t.Errorf("DOWN news not before UP news:\n%s", msg)
	}

	// All up again at once: one line per outage length they share, the
	// shortest first, each list sorted and folded.
	pl.wait(time.Hour)
	pl.up(slices.DeleteFunc(slices.Clone(hosts), func(h string) bool { return h == "web-03" })...)
	pl.expect(pl.wait(groupWin), "🟢 29 UP\n"+
		"🟢 10 hosts are UP after 01:11:10: web-20 … web-29\n"+
		"🟢 10 hosts are UP after 01:11:11: web-10 … web-19\n"+
		"🟢 9 hosts are UP after 01:11:12: web-00 … web-02, web-04 … web-09")

	// The last reminders of a storm whose ages differ more than a few
	// ways share one line with the range.
	pl2 := newPlan(t, nil)
	for i := range 12 {
		pl2.now = t0.Add(time.Duration(i) * time.Second)
		pl2.down(fmt.Sprintf("storm-%d", i+1))
	}
	pl2.wait(time.Minute)
	pl2.now = t0.Add(2 * time.Minute)
	pl2.up("storm-10", "storm-2", "storm-7", "storm-1", "storm-12", "storm-11")
	pl2.expect(pl2.wait(groupWin), "🟢 6 hosts are UP again, after 00:01:49 to 00:02:00: storm-1, storm-2, storm-7, storm-10 … storm-12")
}

// TestFlapInsideOneWindow: DOWN/UP/DOWN inside one window is one line
// that ends with the truth (DOWN since the last one) and tells what came
// before, in order; never DOWN, UP and DOWN messages in a row.
func TestFlapInsideOneWindow(t *testing.T) {
	pl := newPlan(t, nil)
	pl.down("web")
	pl.now = pl.now.Add(2 * time.Second)
	pl.up("web")
	pl.now = pl.now.Add(time.Second)
	pl.down("web")
	msg := pl.expect(pl.wait(groupWin), "🔴 web (web.lan) is DOWN since 2026-11-26 21:04:08 UTC (first lost probe; before that: down 21:04:05, up 21:04:07 after 00:00:02)")
	if strings.Count(msg, "web") != 2 || strings.Count(msg, "\n") != 0 {
		t.Errorf("more than one line for one host:\n%s", msg)
	}
	// Reminders count from the DOWN that stands.
	pl.expect(pl.wait(10*time.Minute), "has been down for 00:10:00")
	if got := pl.now.Sub(t0); got != 10*time.Minute+3*time.Second+groupWin {
		t.Errorf("reminder at %v", got)
	}

	// A flap that ends UP inside a window: one line, with where it began.
	pl2 := newPlan(t, nil)
	pl2.down("blip")
	pl2.now = pl2.now.Add(2 * time.Second)
	pl2.up("blip")
	pl2.expect(pl2.wait(groupWin), "🟢 blip is UP after 00:00:02 (down since 2026-11-26 21:04:05 UTC)")
	pl2.expectNone(pl2.wait(2 * time.Hour)) // no reminder for an outage that is over

	// A told outage that ends, then a new one, inside one window.
	pl3 := newPlan(t, nil)
	pl3.down("db")
	pl3.wait(time.Minute)
	pl3.up("db")
	pl3.now = pl3.now.Add(time.Second)
	pl3.down("db")
	pl3.expect(pl3.wait(groupWin), "🔴 db (db.lan) is DOWN since 2026-11-26 21:05:06 UTC (first lost probe; before that: up 21:05:05 after 00:01:00)")

	// A told outage that ends, flaps, and ends up: the told outage's
	// length first, then what followed.
	pl4 := newPlan(t, nil)
	pl4.down("db")
	pl4.wait(time.Minute)
	pl4.up("db")
	pl4.now = pl4.now.Add(time.Second)
	pl4.down("db")
	pl4.now = pl4.now.Add(time.Second)
	pl4.up("db")
	pl4.expect(pl4.wait(groupWin), "🟢 db is UP after 00:01:00 (then: down 21:05:06, up 21:05:07 after 00:00:01)")
}

// TestParents: while a parent is down its children's DOWN and reminders
// are not sent: the parent's message names them; the parent's recovery
// says which are still down, and from then on they are on their own.
func TestParents(t *testing.T) {
	pl := newPlan(t, nil)
	pl.parents["core-sw1"] = "uplink"
	pl.parents["db1"] = "core-sw1"
	pl.parents["web"] = "uplink"

	// A child's probes may fail first: inside the window it is still
	// named under the parent.
	pl.down("db1")
	pl.now = pl.now.Add(time.Second)
	pl.down("uplink", "core-sw1", "web")
	msg := pl.expect(pl.wait(groupWin), "🔴 4 DOWN", "🔴 uplink (uplink.lan) is DOWN since", "└ behind it, unreachable too: core-sw1, db1, web")
	if strings.Contains(msg, "db1 (db1.lan)") || strings.Contains(msg, "web (web.lan)") {
		t.Errorf("a child has a DOWN line of its own:\n%s", msg)
	}

	// Reminders: the parent's only, naming the children.
	pl.expect(pl.wait(10*time.Minute), "🔴 uplink has been down for 00:10:00", "└ behind it, still unreachable: core-sw1, db1, web")

	// The parent and one child recover; core-sw1 and, behind it, db1
	// are still down.
	pl.wait(5 * time.Minute)
	pl.up("uplink", "web")
	pl.expect(pl.wait(groupWin), "🟢 uplink is UP after 00:15:", "└ back with it: web", "└ still down behind it: core-sw1, db1")

	// core-sw1 is on its own now: its reminders go on its schedule (the
	// 10-minute step passed while uplink covered it and is not sent
	// late); db1 is still behind core-sw1.
	msgs := pl.wait(15 * time.Minute)
	pl.expect(msgs, "🔴 core-sw1 has been down for 00:30:00", "└ behind it, still unreachable: db1")
	pl.up("core-sw1")
	pl.now = pl.now.Add(time.Second)
	pl.up("db1")
	pl.expect(pl.wait(groupWin), "🟢 core-sw1 is UP after 00:30:", "└ back with it: db1")
}

// A child that goes down after its parent's message: nothing (the
// parent's next message names it).
func TestChildDownAfterParentsMessage(t *testing.T) {
	pl := newPlan(t, nil)
	pl.parents["db1"] = "core"
	pl.down("core")
	pl.expect(pl.wait(groupWin), "core")
	pl.wait(20 * time.Second)
	pl.down("db1")
	pl.expectNone(pl.wait(time.Minute))
	pl.expect(pl.wait(10*time.Minute), "🔴 core has been down for 00:10:00", "still unreachable: db1")
	// A covered child that comes back while its parent is still down and
	// whose own DOWN was never sent: it was named under the parent, so
	// its recovery is told.
	pl.up("db1")
	pl.expect(pl.wait(groupWin), "🟢 db1 is UP after")

	// A covered child whose outage began and ended unseen behind its
	// parent: not a word.
	pl.down("db1")
	pl.wait(time.Minute)
	pl.up("db1")
	pl.expectNone(pl.wait(groupWin))
	if msg := pl.expect(pl.wait(t0.Add(30*time.Minute+groupWin).Sub(pl.now)), "🔴 core has been down for 00:30:00"); strings.Contains(msg, "db1") {
		t.Errorf("a recovered child named as down:\n%s", msg)
	}

	// A child whose parent is up is a host like any other.
	pl.up("core")
	pl.expect(pl.wait(groupWin), "🟢 core is UP")
	pl.down("db1")
	pl.expect(pl.wait(groupWin), "🔴 db1 (db1.lan) is DOWN")
}

// TestRestart: a told outage restored at start-up makes no second DOWN;
// the reminders that passed while stopped come as one; the recovery counts
// from the original DOWN. An outage whose DOWN never went out gets it.
func TestRestart(t *testing.T) {
	pl := newPlan(t, nil)
	pl.down("core-sw1", "db1")
	pl.expect(pl.wait(groupWin), "core-sw1", "db1")
	pl.expect(pl.wait(10*time.Minute), "00:10:00")
	save, _ := pl.p.changes()
	pl.down("web") // in a window when the process stops: never sent
	pl.now = pl.now.Add(time.Second)
	wsave, _ := pl.p.changes()
	if len(wsave) != 0 {
		t.Fatalf("a host in the groupWin was saved before its message: %+v", wsave)
	}
	if len(save) != 2 || !save[0].Told || save[0].Reminded != 1 {
		t.Fatalf("saved %+v", save)
	}

	// Stopped for 40 minutes: the 30-minute step passed.
	pl2 := newPlan(t, nil)
	pl2.now = t0.Add(50 * time.Minute)
	open := map[string]time.Time{"core-sw1": t0, "db1": t0, "web": pl.since["web"]}
	pl2.p.load(save, open, nil, pl2.now)
	for _, name := range []string{"core-sw1", "db1", "web"} {
		pl2.p.observe(monitor.Transition{Host: name, Address: addr(name), From: monitor.Down, To: monitor.Down,
			At: pl2.now, DownSince: open[name], Restored: true}, pl2.now)
	}
	msg := pl2.expect(pl2.wait(groupWin), "🔴 web (web.lan) is DOWN since 2026-11-26 21:14:10 UTC",
		"🔴 core-sw1 has been down for 00:50:00", "🔴 db1 has been down for 00:50:00")
	if strings.Contains(msg, "core-sw1 (") || strings.Contains(msg, "00:30:00") {
		t.Errorf("a second DOWN, or a reminder per missed step:\n%s", msg)
	}
	pl2.expect(pl2.wait(10*time.Minute), "core-sw1 has been down for 01:00:00 (last reminder", "db1")
	pl2.wait(time.Hour)
	pl2.since = map[string]time.Time{"core-sw1": t0}
	pl2.up("core-sw1")
	pl2.expect(pl2.wait(groupWin), "🟢 core-sw1 is UP after 02:00:05")
}

// TestOwedRecovery: a recovery still in its window when the process died
// is sent after the restart, with the length the store recorded.
func TestOwedRecovery(t *testing.T) {
	pl := newPlan(t, nil)
	pl.now = t0.Add(time.Hour)
	saved := []HostAlert{
		{Host: "db1", DownSince: t0, Told: true, Reminded: 2},
		{Host: "gone", DownSince: t0, Told: true},        // host removed since: no end known
		{Host: "untold", DownSince: t0.Add(time.Second)}, // never told: nothing owed
	}
	ended := t0.Add(12*time.Minute + 34*time.Second)
	pl.p.load(saved, map[string]time.Time{}, func(host string, start time.Time) (time.Time, bool) {
		return ended, host == "db1" && start.Equal(t0)
	}, pl.now)
	pl.expect(pl.wait(groupWin), "🟢 db1 is UP after 00:12:34 (up since 2026-11-26 21:16:39 UTC)")
	if _, drop := pl.p.changes(); !slices.Equal(drop, []string{"db1", "gone", "untold"}) {
		t.Errorf("dropped %v, want every stale record", drop)
	}
}

// TestPauseResumeRemove: a paused outage gets no reminders; resumed, its
// reminders go on (the steps passed meanwhile are not caught up) and its
// recovery counts from the original DOWN; a removed one is forgotten.
func TestPauseResumeRemove(t *testing.T) {
	pl := newPlan(t, nil)
	pl.down("a", "b")
	pl.expect(pl.wait(groupWin), "a", "b")
	pl.notice("a", monitor.NoticePaused)
	pl.notice("b", monitor.NoticeRemoved)
	if save, drop := pl.p.changes(); len(save) != 1 || !save[0].Paused || !slices.Equal(drop, []string{"b"}) {
		t.Errorf("after pause and remove: save %+v, drop %v", save, drop)
	}
	pl.expectNone(pl.wait(40 * time.Minute))
	pl.notice("a", monitor.NoticeResumed)
	pl.expectNone(pl.wait(15 * time.Minute))
	pl.expect(pl.wait(10*time.Minute), "🔴 a has been down for 01:00:00 (last reminder")
	pl.up("a")
	pl.expect(pl.wait(groupWin), "🟢 a is UP after 01:05:")
	if len(pl.p.hosts) != 0 {
		t.Errorf("hosts left: %v", pl.p.hosts)
	}
}

// TestParentsRecoverTogether: a chain of parents and children all back in
// one window, children first: one line for the top, naming the others.
func TestParentsRecoverTogether(t *testing.T) {
	pl := newPlan(t, nil)
	pl.parents["core"] = "uplink"
	pl.parents["db"] = "core"
	pl.down("uplink", "core", "db")
	pl.expect(pl.wait(groupWin), "🔴 uplink (uplink.lan) is DOWN", "unreachable too: core, db")
	pl.wait(time.Minute)
	pl.up("db", "core", "uplink")
	msg := pl.expect(pl.wait(groupWin), "🟢 uplink is UP after 00:01:05", "└ back with it: ")
	for _, h := range []string{"core", "db"} {
		if !strings.Contains(msg, h) || strings.Contains(msg, "🟢 "+h) {
			t.Errorf("%s not named under uplink's line:\n%s", h, msg)
		}
	}
	if strings.Count(msg, "\n") != 2 { // the summary, the line, its continuation
		t.Errorf("more than the uplink line and its continuation:\n%s", msg)
	}
}

// confHosts lists hosts for setHosts: each with the user's schedule and
// the parent parents gives it.
func confHosts(parents map[string]string, names ...string) []config.Host {
	hs := make([]config.Host, len(names))
	for i, n := range names {
		hs[i] = config.Host{Name: n, Address: addr(n), Parent: parents[n], Reminders: userSchedule, Origin: config.OriginFile}
	}
	return hs
}

// TestReloadChangesParents: db1 went down behind core after core's DOWN
// went out, so nobody has heard of it; a reload takes its parent away: it
// gets its own DOWN (with the outage's real start) and reminders. web,
// told on its own, gets core as parent: its reminders stop, core's name it.
func TestReloadChangesParents(t *testing.T) {
	pl := newPlan(t, nil)
	names := []string{"core", "app", "db1", "web"}
	pl.p.setHosts(confHosts(map[string]string{"app": "core", "db1": "core"}, names...), pl.now)
	pl.down("core", "app")
	pl.expect(pl.wait(groupWin), "🔴 core (core.lan) is DOWN", "unreachable too: app")
	pl.wait(time.Minute - groupWin)
	pl.down("db1", "web")
	if msg := pl.expect(pl.wait(groupWin), "🔴 web (web.lan) is DOWN since 2026-11-26 21:05:05 UTC"); strings.Contains(msg, "db1") {
		t.Fatalf("db1 named while core covers it:\n%s", msg)
	}
	pl.expectNone(pl.wait(4 * time.Minute))

	pl.p.setHosts(confHosts(map[string]string{"app": "core", "web": "core"}, names...), pl.now)
	pl.expect(pl.wait(groupWin), "🔴 db1 (db1.lan) is DOWN since 2026-11-26 21:05:05 UTC")
	pl.expect(pl.wait(t0.Add(10*time.Minute+groupWin).Sub(pl.now)),
		"🔴 core has been down for 00:10:00", "└ behind it, still unreachable: app, web")
	msg := pl.expect(pl.wait(time.Minute), "🔴 db1 has been down for 00:10:00")
	if strings.Contains(msg, "web") {
		t.Errorf("web, behind core now, has a reminder of its own:\n%s", msg)
	}
}

// TestReloadUncoversAToldHost: app was named under core's DOWN; at 25 min
// a reload takes its parent away. Its 10-minute step passed while core
// covered it (core's reminder named it): it is not sent late; its next
// reminder is at 30 min.
func TestReloadUncoversAToldHost(t *testing.T) {
	pl := newPlan(t, nil)
	pl.p.setHosts(confHosts(map[string]string{"app": "core"}, "core", "app"), pl.now)
	pl.down("core", "app")
	pl.expect(pl.wait(groupWin), "unreachable too: app")
	pl.expect(pl.wait(10*time.Minute), "🔴 core has been down for 00:10:00", "still unreachable: app")
	pl.wait(t0.Add(25 * time.Minute).Sub(pl.now))
	pl.p.setHosts(confHosts(nil, "core", "app"), pl.now)
	pl.expectNone(pl.wait(5*time.Minute - time.Second))
	pl.expect(pl.wait(time.Second+groupWin), "🔴 core has been down for 00:30:00", "🔴 app has been down for 00:30:00")
}

// TestConfiguredParentWins: a transition made before a reload names the
// old parent; the reload's parent stands, so db1, whose new config has no
// parent, is not hidden behind core.
func TestConfiguredParentWins(t *testing.T) {
	pl := newPlan(t, nil)
	pl.p.setHosts(confHosts(nil, "core", "db1"), pl.now)
	pl.down("core")
	pl.expect(pl.wait(groupWin), "core")
	pl.parents["db1"] = "core" // what the stale transition says
	pl.down("db1")
	pl.expect(pl.wait(groupWin), "🔴 db1 (db1.lan) is DOWN")
}

// TestParentRemovedChildTold: app was named under core's DOWN; db1 went
// down behind core after that, and core has no reminders to name it in, so
// nobody has heard of it. At 25 min core is
// removed (by a reload, which changes their parents too: the notice may
// come first). db1 gets its own DOWN at once; app's 10-minute step, which
// passed while core covered it, is not sent late: its next reminder is at
// 30 min.
func TestParentRemovedChildTold(t *testing.T) {
	pl := newPlan(t, map[string][]time.Duration{"core": {}})
	pl.parents["app"] = "core"
	pl.parents["db1"] = "core"
	pl.down("core", "app")
	pl.expect(pl.wait(groupWin), "core", "unreachable too: app")
	pl.wait(time.Minute)
	pl.down("db1")
	pl.expectNone(pl.wait(time.Minute))
	pl.wait(t0.Add(25 * time.Minute).Sub(pl.now))
	pl.notice("core", monitor.NoticeRemoved)
	if msg := pl.expect(pl.wait(groupWin), "🔴 db1 (db1.lan) is DOWN since 2026-11-26 21:05:10 UTC"); strings.Contains(msg, "app") {
		t.Errorf("app's passed step sent late:\n%s", msg)
	}
	pl.expect(pl.wait(t0.Add(30*time.Minute+groupWin).Sub(pl.now)), "🔴 app has been down for 00:30:00")
	pl.expect(pl.wait(time.Minute+groupWin), "🔴 db1 has been down for 00:30:00")
}

// TestResumedAfterLostDown: the process was killed while a host's DOWN
// waited in its window, and the host had been paused meanwhile: after the
// restart no record says it was told. Resumed, it gets its DOWN.
func TestResumedAfterLostDown(t *testing.T) {
	pl := newPlan(t, nil)
	pl.now = t0.Add(time.Hour)
	pl.since["db1"] = t0
	pl.p.load(nil, map[string]time.Time{"db1": t0}, nil, pl.now)
	pl.expectNone(pl.wait(time.Minute))
	pl.notice("db1", monitor.NoticeResumed)
	pl.expect(pl.wait(groupWin), "🔴 db1 (db1.lan) is DOWN since 2026-11-26 21:04:05 UTC")
}

// TestSummaryCountsHostsStillDown: the summary line is what a phone's
// notification shows. When core recovers with db1 still down behind it,
// it says one is UP and one still down, never "2 UP".
func TestSummaryCountsHostsStillDown(t *testing.T) {
	pl := newPlan(t, nil)
	pl.parents["db1"] = "core"
	pl.parents["web"] = "core"
	pl.down("db1")
	pl.expect(pl.wait(groupWin), "🔴 db1 (db1.lan) is DOWN")
	pl.wait(time.Minute)
	pl.down("core", "web")
	pl.expect(pl.wait(groupWin), "🔴 3 DOWN", "🔴 core (core.lan) is DOWN", "unreachable too: db1, web")
	pl.wait(time.Minute)
	pl.up("core", "web")
	msg := pl.expect(pl.wait(groupWin), "🟢 core is UP after", "└ back with it: web", "└ still down behind it: db1")
	if first, _, _ := strings.Cut(msg, "\n"); first != "🔴 1 still down · 🟢 2 UP" {
		t.Errorf("summary %q, want 🔴 1 still down · 🟢 2 UP", first)
	}
}

// TestOwnDownLineNotRepeated: db1 went down behind core after core's
// DOWN went out; core comes back within db1's window. db1's own DOWN line
// says it is down: it is not named again under core's UP, nor counted
// as UP.
func TestOwnDownLineNotRepeated(t *testing.T) {
	pl := newPlan(t, nil)
	pl.parents["db1"] = "core"
	pl.down("core")
	pl.expect(pl.wait(groupWin), "core")
	pl.wait(time.Minute)
	pl.down("db1")
	pl.now = pl.now.Add(time.Second)
	pl.up("core")
	msg := pl.expect(pl.wait(groupWin), "🔴 1 DOWN · 🟢 1 UP\n🔴 db1 (db1.lan) is DOWN since", "🟢 core is UP after")
	if strings.Count(msg, "db1") != 2 { // its name and its address
		t.Errorf("db1 named twice:\n%s", msg)
	}
}

// TestRestoredIsNotPaused: the record says paused (the resume's notice was
// lost when the process was killed), but the monitor restores the outage
// unpaused: a paused host is not restored, it waits for its resume. The
// monitor's word stands: the reminders go on.
func TestRestoredIsNotPaused(t *testing.T) {
	pl := newPlan(t, nil)
	pl.now = t0.Add(5 * time.Minute)
	pl.p.load([]HostAlert{{Host: "db1", DownSince: t0, Told: true, Paused: true}}, map[string]time.Time{"db1": t0}, nil, pl.now)
	pl.p.observe(monitor.Transition{Host: "db1", Address: addr("db1"), From: monitor.Down, To: monitor.Down,
		At: pl.now, DownSince: t0, Restored: true}, pl.now)
	pl.expect(pl.wait(10*time.Minute), "🔴 db1 has been down for 00:10:00")
}

// TestUntoldAfterAFlushIsScheduled: db1 is down behind core, unnamed;
// core's reminder (which would name it) is in its window when core is
// removed. The window's flush has nothing to say, and leaves db1 on its
// own and untold: the planner must ask to be woken for its DOWN, not wait
// for some other news.
func TestUntoldAfterAFlushIsScheduled(t *testing.T) {
	pl := newPlan(t, map[string][]time.Duration{"core": {10 * time.Minute}})
	pl.parents["db1"] = "core"
	pl.down("core")
	pl.expect(pl.wait(groupWin), "core")
	pl.wait(time.Minute)
	pl.down("db1")
	pl.expectNone(pl.wait(time.Minute))
	pl.wait(t0.Add(10 * time.Minute).Sub(pl.now))
	if !pl.p.inWindow("core") {
		t.Fatal("core's reminder is not in a window")
	}
	pl.notice("core", monitor.NoticeRemoved)
	pl.now = pl.p.win.closes
	for _, m := range pl.p.due(pl.now) {
		t.Errorf("the window of a removed host made %q", m.Text)
	}
	next := pl.p.next()
	if next.IsZero() {
		t.Fatal("db1 is down, on its own and untold, and the planner asks never to be woken")
	}
	pl.now = next
	var got []string
	for _, m := range pl.p.due(pl.now) {
		got = append(got, m.Text)
	}
	pl.expect(got, "🔴 db1 (db1.lan) is DOWN since 2026-11-26 21:05:10 UTC")
}
