package alert

import (
	"strings"
	"testing"
	"time"

	"downtime/config"
	"downtime/monitor"
)

// TestAckStopsRemindersNotTheUp: issue 12 item 1 (/ack): after the ack no
// reminder comes, the UP still does; a new outage gets reminders again.
func TestAckStopsRemindersNotTheUp(t *testing.T) {
	pl := newPlan(t, nil)
	pl.down("db1")
	pl.expect(pl.wait(groupWin), "db1 (db1.lan) is DOWN")
	pl.expect(pl.wait(10*time.Minute), "has been down for 00:10:00")
	a, ok, _ := pl.p.acknowledge("db1", "Ann (@ann)", pl.now)
	if !ok || a.By != "Ann (@ann)" || !a.DownSince.Equal(pl.since["db1"]) {
		t.Fatalf("acknowledge = %+v, %v", a, ok)
	}
	pl.expectNone(pl.wait(2 * time.Hour))
	if s := pl.p.silences(); len(s.Acks) != 1 || s.Acks[0].Host != "db1" {
		t.Errorf("silences = %+v, want db1's ack", s)
	}
	pl.up("db1")
	pl.expect(pl.wait(groupWin), "🟢 db1 is UP after")
	if s := pl.p.silences(); len(s.Acks) != 0 {
		t.Errorf("ack outlived its outage: %+v", s)
	}
	pl.down("db1")
	pl.expect(pl.wait(groupWin), "is DOWN")
	pl.expect(pl.wait(10*time.Minute), "has been down for 00:10:00")
	if _, ok, _ := pl.p.acknowledge("web1", "Ann", pl.now); ok {
		t.Error("acked a host that is not down")
	}
}

// TestMute: issue 12 item 1 (/mute): a host muted goes down: no DOWN, no
// reminder; when the mute ends while it is still down, its DOWN comes,
// marked, and reminders follow. An outage inside the mute is never sent.
func TestMute(t *testing.T) {
	pl := newPlan(t, nil)
	pl.p.mute(Mute{Host: "web1", Until: pl.now.Add(time.Hour), By: "tui", At: pl.now})

	// Began and ended inside the mute: nothing.
	pl.down("web1")
	pl.expectNone(pl.wait(time.Minute))
	pl.up("web1")
	pl.expectNone(pl.wait(time.Minute))

	// Another host is not muted.
	pl.down("db1")
	pl.expect(pl.wait(groupWin), "db1 (db1.lan) is DOWN")

	// Still down when the mute ends: its DOWN then, and reminders after.
	pl.down("web1")
	downAt := pl.now
	pl.expect(pl.wait(10*time.Minute), "db1 has been down") // db1's reminder, nothing of web1
	texts := pl.wait(t0.Add(time.Hour).Sub(pl.now) + groupWin)
	found := false
	for _, m := range texts {
		if strings.Contains(m, "web1") {
			found = true
			if !strings.Contains(m, "web1 (web1.lan) is DOWN since "+stamp(downAt, time.UTC)) || !strings.Contains(m, "found during a mute") {
				t.Errorf("DOWN after the mute = %q", m)
			}
		}
	}
	if !found {
		t.Fatalf("no DOWN of web1 when its mute ended: %q", texts)
	}
	if s := pl.p.silences(); len(s.Mutes) != 0 {
		t.Errorf("mute left after its end: %+v", s)
	}
	pl.expect(pl.wait(t0.Add(time.Hour+30*time.Minute).Sub(pl.now)+groupWin), "web1 has been down")
}

// TestMuteAllAndUnmute: /mute all silences every host; /unmute ends it
// early and a told outage takes up its reminders without a burst.
func TestMuteAllAndUnmute(t *testing.T) {
	pl := newPlan(t, nil)
	pl.down("a")
	pl.expect(pl.wait(groupWin), "a (a.lan) is DOWN")
	pl.p.mute(Mute{Host: MuteAll, Until: pl.now.Add(2 * time.Hour), By: "Ann"})
	pl.down("b")
	pl.expectNone(pl.wait(time.Hour)) // neither b's DOWN nor a's reminders
	if !pl.p.unmute(MuteAll, pl.now) {
		t.Fatal("unmute all: nothing was muted")
	}
	texts := pl.wait(groupWin)
	got := pl.expect(texts, "b (b.lan) is DOWN", "found during a mute")
	if strings.Contains(got, "a has been down") {
		t.Errorf("missed reminders of a caught up after the unmute: %q", got)
	}
	if pl.p.unmute("a", pl.now) {
		t.Error("unmute of a host not muted reported a mute")
	}
}

// TestMuteOfRemovedHostEnds: issue 12 item 6: a host that leaves the
// config takes its mute with it.
func TestMuteOfRemovedHostEnds(t *testing.T) {
	pl := newPlan(t, nil)
	pl.p.setHosts(hostsNamed("a", "b"), pl.now)
	pl.p.mute(Mute{Host: "a", Until: pl.now.Add(time.Hour)})
	pl.p.mute(Mute{Host: "b", Until: pl.now.Add(time.Hour)})
	pl.p.setHosts(hostsNamed("b"), pl.now)
	s := pl.p.silences()
	if len(s.Mutes) != 1 || s.Mutes[0].Host != "b" {
		t.Errorf("mutes after a's removal = %+v, want b's only", s.Mutes)
	}
}

func hostsNamed(names ...string) []config.Host {
	var hs []config.Host
	for _, n := range names {
		hs = append(hs, config.Host{Name: n, Address: addr(n)})
	}
	return hs
}

// TestAckAndMuteRestored: issue 12 item 6: after a restart the saved ack
// goes back to its outage when the monitor restores it (no reminders),
// and a saved mute holds on; an ack of another outage is dropped.
func TestAckAndMuteRestored(t *testing.T) {
	pl := newPlan(t, nil)
	since := t0.Add(-time.Minute)
	saved := Silences{
		Mutes: []Mute{{Host: "web1", Until: t0.Add(time.Hour), By: "Ann"}, {Host: "old", Until: t0.Add(-time.Second)}},
		Acks:  []Ack{{Host: "db1", DownSince: since, By: "Ann (@ann)"}, {Host: "db2", DownSince: since, By: "Ann"}},
	}
	pl.p.loadSilences(saved, map[string]time.Time{"db1": since, "db2": since.Add(time.Second)}, t0)
	pl.p.observe(monitor.Transition{Host: "db1", Address: addr("db1"), From: monitor.Down, To: monitor.Down, At: t0, DownSince: since, Restored: true}, t0)
	pl.expect(pl.wait(groupWin), "db1 (db1.lan) is DOWN") // its DOWN was never told
	pl.expectNone(pl.wait(2 * time.Hour))
	s := pl.p.saved()
	if len(s.Acks) != 1 || s.Acks[0].Host != "db1" || s.Acks[0].By != "Ann (@ann)" {
		t.Errorf("acks after the restore = %+v, want db1's only", s.Acks)
	}
}

// TestMaintenanceWindowMutes: issue 12 item 5: a [[maintenance]] window
// behaves as a mute of its hosts while it lasts.
func TestMaintenanceWindowMutes(t *testing.T) {
	pl := newPlan(t, nil)
	pl.p.maint = []config.Maintenance{{Hosts: []string{"web-*"}, Start: t0.Add(time.Minute), Duration: time.Hour}}
	pl.p.setHosts(hostsNamed("web-01", "db1"), pl.now)
	pl.expectNone(pl.wait(2 * time.Minute)) // the window opened at 1m
	if s := pl.p.silences(); len(s.Mutes) != 1 || s.Mutes[0].Host != "web-01" || s.Mutes[0].By != MaintenanceBy || !s.Mutes[0].Until.Equal(t0.Add(61*time.Minute)) {
		t.Fatalf("mutes in the window = %+v", s.Mutes)
	}
	pl.down("web-01", "db1")
	got := pl.expect(pl.wait(groupWin), "db1 (db1.lan) is DOWN")
	if strings.Contains(got, "web-01") {
		t.Errorf("web-01 told during its maintenance: %q", got)
	}
	texts := pl.wait(t0.Add(61*time.Minute).Sub(pl.now) + groupWin)
	found := false
	for _, m := range texts {
		found = found || strings.Contains(m, "web-01 (web-01.lan) is DOWN since") && strings.Contains(m, "found during a mute")
	}
	if !found {
		t.Errorf("no DOWN of web-01 when the window closed: %q", texts)
	}
}

// TestMutedChildNotNamed: a muted host behind a parent that goes down is
// not named under the parent's lines; once its mute ends it gets its own
// DOWN, marked.
func TestMutedChildNotNamed(t *testing.T) {
	pl := newPlan(t, nil)
	pl.parents["db1"] = "sw1"
	pl.p.mute(Mute{Host: "db1", Until: pl.now.Add(time.Hour)})
	pl.down("sw1", "db1")
	pl.expect(pl.wait(groupWin), "sw1 (sw1.lan) is DOWN")
	texts := pl.wait(50 * time.Minute) // sw1's reminders
	pl.up("sw1")                       // at 50m: db1 still muted, and down
	texts = append(texts, pl.wait(groupWin)...)
	for _, m := range texts {
		if strings.Contains(m, "db1") {
			t.Errorf("a muted host named: %q", m)
		}
	}
	after := strings.Join(pl.wait(15*time.Minute), "\n") // the mute ends at 1h
	if !strings.Contains(after, "db1 (db1.lan) is DOWN since") || !strings.Contains(after, "found during a mute") {
		t.Errorf("db1 after its mute: %q", after)
	}
}

// TestMaintenanceLogged: a window's mutes and their ends are in the log.
func TestMaintenanceLogged(t *testing.T) {
	clk := newFakeClock()
	log, logs := testLogger()
	d := start(t, Options{Clock: clk, Log: log, Hosts: hostsNamed("web-01"),
		Maintenance: []config.Maintenance{{Hosts: []string{"web-*"}, Start: t0.Add(time.Minute), Duration: time.Hour}}})
	clk.waitWaiter(t, t0.Add(time.Minute))
	clk.Advance(time.Minute)
	waitFor(t, "the window's mute", func() bool { _, ok := d.Silences().Muted("web-01"); return ok })
	waitFor(t, "its log line", func() bool {
		return strings.Contains(logs.String(), `msg="host muted" host=web-01 until=2026-11-26T22:05:05Z by=maintenance`)
	})
	clk.waitWaiter(t, t0.Add(61*time.Minute))
	clk.Advance(time.Hour)
	waitFor(t, "the end's log line", func() bool {
		return strings.Contains(logs.String(), `msg="host unmuted" host=web-01 by=maintenance reason=ended`)
	})
}

// TestMuteKeepsTheUpOfAToldOutage: an outage told before the mute began
// still gets its UP: only one that began inside the mute is silent.
func TestMuteKeepsTheUpOfAToldOutage(t *testing.T) {
	pl := newPlan(t, nil)
	pl.down("db1")
	pl.expect(pl.wait(groupWin), "db1 (db1.lan) is DOWN")
	pl.p.mute(Mute{Host: "db1", Until: pl.now.Add(time.Hour)})
	pl.expectNone(pl.wait(20 * time.Minute)) // no reminder while muted
	pl.up("db1")
	pl.expect(pl.wait(groupWin), "🟢 db1 is UP after 00:20:05")
	pl.down("db1") // a new outage inside the mute: silent
	pl.expectNone(pl.wait(time.Minute))
	pl.up("db1")
	pl.expectNone(pl.wait(time.Minute))
}
