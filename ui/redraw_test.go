package ui

import (
	"strings"
	"testing"
	"time"

	"downtime/monitor"
)

// A tick that brings nothing new (the same second, alerts, mutes and
// events) leaves the screen as it was drawn: View returns it without
// building it again. Anything new on a tick draws a new screen.
func TestATickThatChangesNothingDoesNotRedraw(t *testing.T) {
	m, _ := newTest(t, 120, 40, fixture(t, 50), Options{})
	first := m.View()
	m.Update(tickMsg{now: now})
	if !m.viewFresh {
		t.Fatal("a tick with nothing new made the screen stale")
	}
	if v := m.View(); v != first {
		t.Errorf("the screen changed on a tick with nothing new:\n%s", v)
	}

	m.Update(tickMsg{now: now.Add(time.Second)})
	if m.viewFresh {
		t.Fatal("a new second left the screen fresh")
	}
	if row := rowOf(m, "core-sw1"); !strings.Contains(row, "down 00:12:35") {
		t.Errorf("after a second: %q, want the timer at 00:12:35", row)
	}

	steps := []struct {
		name string
		msg  tickMsg
	}{
		{"an alert", tickMsg{now: now.Add(time.Second), alert: AlertState{Level: AlertOK, Queued: 2}}},
		{"a mute", tickMsg{now: now.Add(time.Second), alert: AlertState{Level: AlertOK, Queued: 2},
			silenced: Silenced{Mutes: []Mark{{Host: "web-01", By: "tui", At: now, Until: now.Add(time.Hour)}}}}},
		{"an event", tickMsg{now: now.Add(time.Second), alert: AlertState{Level: AlertOK, Queued: 2},
			silenced: Silenced{Mutes: []Mark{{Host: "web-01", By: "tui", At: now, Until: now.Add(time.Hour)}}},
			events:   []Event{{At: now, Host: "web-01", To: monitor.Down}}}},
	}
	for _, s := range steps {
		m.View()
		m.Update(s.msg)
		if m.viewFresh {
			t.Errorf("%s on a tick left the screen fresh", s.name)
		}
		m.View()
		m.Update(s.msg) // the same again: nothing new
		if !m.viewFresh {
			t.Errorf("%s repeated made the screen stale", s.name)
		}
	}
	if v := m.View(); !strings.Contains(v, "telegram: 2 queued") {
		t.Errorf("the header lacks the alert state:\n%s", v)
	}
}

// The runner publishes its snapshot on the second, just before the tick:
// the snapshot sets the clock, so its redraw shows the new figures and the
// new timers at once, and the tick of the same second draws nothing. A
// tick of a later second, with no snapshot, moves the timers on.
func TestTheSnapshotCarriesTheClock(t *testing.T) {
	s := fixture(t, 0)
	m, _ := newTest(t, 80, 24, s, Options{})
	s.At = now.Add(time.Second)
	m.Update(SnapshotMsg(s))
	if row := rowOf(m, "core-sw1"); !strings.Contains(row, "down 00:12:35") {
		t.Errorf("after a snapshot a second later: %q, want the timer at 00:12:35", row)
	}
	m.Update(tickMsg{now: now.Add(time.Second + tickLag)})
	if !m.viewFresh {
		t.Error("the tick after the snapshot of its second redraws the screen")
	}
	m.Update(tickMsg{now: now.Add(2*time.Second + tickLag)})
	if row := rowOf(m, "core-sw1"); !strings.Contains(row, "down 00:12:36") {
		t.Errorf("after a tick with no snapshot: %q, want the timer at 00:12:36", row)
	}
	// An older snapshot (sent before a tick was handled) does not set the
	// clock back.
	s.At = now
	m.Update(SnapshotMsg(s))
	if row := rowOf(m, "core-sw1"); !strings.Contains(row, "down 00:12:36") {
		t.Errorf("after an older snapshot: %q, want the timer to stay at 00:12:36", row)
	}
}
