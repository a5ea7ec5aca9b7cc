package ui

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
)

// fakeSilencer records mutes and reports them as the dispatcher would.
type fakeSilencer struct {
	mu    sync.Mutex
	mutes map[string]Mark
	acks  map[string]Mark
	calls []string
}

func (f *fakeSilencer) Silenced() Silenced {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := Silenced{Acks: map[string]Mark{}}
	for _, m := range f.mutes {
		s.Mutes = append(s.Mutes, m)
	}
	for h, a := range f.acks {
		s.Acks[h] = a
	}
	return s
}

func (f *fakeSilencer) Mute(_ context.Context, host string, until time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.mutes[host] = Mark{Host: host, By: "tui", At: now, Until: until}
	f.calls = append(f.calls, "mute "+host+" "+until.Sub(now).String())
	return nil
}

func (f *fakeSilencer) Unmute(_ context.Context, host string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.mutes, host)
	f.calls = append(f.calls, "unmute "+host)
	return nil
}

// TestMuteKeyAndMarks: issue 12 item 4: m asks for how long (1h unless
// changed) and mutes the selected host; acked and muted hosts carry a mark
// in the table; the detail view says by whom and until when; M lists the
// mutes and u unmutes.
func TestMuteKeyAndMarks(t *testing.T) {
	snap := fixture(t, 0)
	sil := &fakeSilencer{mutes: map[string]Mark{}, acks: map[string]Mark{"core-sw1": {Host: "core-sw1", By: "Ann (@ann)", At: now.Add(-2 * time.Minute)}}}
	m, _ := newTest(t, 80, 24, snap, Options{Silencer: sil})
	selectHost(t, m, "web-01")
	press(t, m, "m")
	if foot := ansi.Strip(m.View()); !strings.Contains(foot, "mute web-01 for 1h") {
		t.Fatalf("m asks nothing:\n%s", foot)
	}
	press(t, m, "enter")
	if len(sil.calls) != 1 || sil.calls[0] != "mute web-01 1h0m0s" {
		t.Fatalf("calls %q, want web-01 muted for 1h", sil.calls)
	}
	if !strings.Contains(m.View(), "muted web-01 until 22:04") {
		t.Errorf("no status line for the mute:\n%s", m.View())
	}
	m.Update(tickMsg{now: now.Add(time.Second), silenced: m.back.silenced()})
	if row := ansi.Strip(rowOf(m, "web-01")); !strings.Contains(row, "web-01 "+markMuted) {
		t.Errorf("muted row %q: want the mute mark", row)
	}
	if row := ansi.Strip(rowOf(m, "core-sw1")); !strings.Contains(row, "core-sw1 "+markAcked) {
		t.Errorf("acked row %q: want the ack mark", row)
	}
	if row := ansi.Strip(rowOf(m, "db-replica")); strings.Contains(row, markAcked) || strings.Contains(row, markMuted) {
		t.Errorf("row %q carries a mark it has no reason for", row)
	}

	// The detail view says by whom and until when.
	selectHost(t, m, "core-sw1")
	press(t, m, "enter")
	if v := ansi.Strip(m.View()); !strings.Contains(v, "outage acknowledged by Ann (@ann) at 21:02") {
		t.Errorf("detail lacks the ack:\n%s", v)
	}
	press(t, m, "esc")

	// Another duration, typed over the default.
	selectHost(t, m, "db-replica")
	press(t, m, "m", "backspace", "backspace")
	typeText(t, m, "2d")
	press(t, m, "enter")
	m.Update(tickMsg{now: now.Add(2 * time.Second), silenced: m.back.silenced()})

	press(t, m, "M")
	list := ansi.Strip(m.View())
	if !strings.Contains(list, "db-replica until") || !strings.Contains(list, "web-01 until 22:04") || !strings.Contains(list, "by tui") {
		t.Fatalf("M lists:\n%s", list)
	}
	press(t, m, "u")
	if last := sil.calls[len(sil.calls)-1]; !strings.HasPrefix(last, "unmute ") {
		t.Errorf("u did not unmute: %q", sil.calls)
	}
	press(t, m, "esc")
	if m.mode != modeNormal {
		t.Errorf("esc left the list open")
	}

	// A bad duration says how to write one and mutes nothing.
	n := len(sil.calls)
	press(t, m, "m", "backspace", "backspace")
	typeText(t, m, "soon")
	press(t, m, "enter")
	if len(sil.calls) != n || !strings.Contains(m.View(), "write a duration like 30m") {
		t.Errorf("a bad duration: calls %q\n%s", sil.calls, m.View())
	}
}

// TestMuteListFitsTheScreen: a list of many mutes (a maintenance window
// over every host) shows a window of it around the cursor, never more
// lines than the screen has.
func TestMuteListFitsTheScreen(t *testing.T) {
	sil := &fakeSilencer{mutes: map[string]Mark{}, acks: map[string]Mark{}}
	for i := range 300 {
		h := fmt.Sprintf("web-%03d", i)
		sil.mutes[h] = Mark{Host: h, By: "maintenance", Until: now.Add(time.Hour)}
	}
	m, _ := newTest(t, 80, 24, fixture(t, 0), Options{Silencer: sil})
	m.Update(tickMsg{now: now, silenced: m.back.silenced()})
	press(t, m, "M")
	for range 150 {
		press(t, m, "j")
	}
	lines := screen(m)
	if len(lines) > 24 {
		t.Fatalf("%d lines on a 24-line screen", len(lines))
	}
	v := ansi.Strip(m.View())
	if !strings.Contains(v, markCursor+"web-150 until") || !strings.Contains(v, "above") || !strings.Contains(v, "below") {
		t.Errorf("the list around the cursor:\n%s", v)
	}
	press(t, m, "u")
	if last := sil.calls[len(sil.calls)-1]; last != "unmute web-150" {
		t.Errorf("u unmuted %q, want web-150", last)
	}
}
