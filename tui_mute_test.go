package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTUIMuteInTmux: issue 12 item 4 in the real binary: m mutes the
// selected host (1h unless changed), its row carries the mark, M lists the
// mute with its author and u ends it; the log says both. A mute survives a
// restart.
func TestTUIMuteInTmux(t *testing.T) {
	dir, err := os.MkdirTemp("", "dt")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	args := []string{"--demo", "--state", filepath.Join(dir, "state.db"), "web-01", "db-01", "core-sw1"}
	p := startInTmux(t, 80, 24, args...)
	p.waitFor("start", "web-01", "db-01", "q quit")

	p.keys("/")
	p.text("db-01")
	p.keys("Enter")
	p.waitFor("/db-01", "1 of 3")
	p.keys("m")
	p.waitFor("m", "mute db-01 for 1h", "esc cancel")
	p.keys("Enter")
	s := p.waitFor("mute", "muted db-01 until", "db-01 ⊘")
	if !strings.Contains(s, ">") {
		t.Errorf("no selected row:\n%s", s)
	}
	p.keys("M")
	p.waitFor("M", "db-01 until", "by tui", "u unmute")
	p.keys("Escape")
	p.keys("q")
	p.waitFor("q", "downtime exited 0")

	// The mute is kept: after a restart the mark is back; then u ends it.
	p = startInTmux(t, 80, 24, args...)
	p.waitFor("restart", "db-01 ⊘")
	p.keys("M")
	p.waitFor("M after restart", "db-01 until", "by tui")
	p.keys("u")
	p.waitFor("u", "unmuted db-01")
	p.keys("Escape")
	p.keys("q")
	p.waitFor("q after restart", "downtime exited 0")

	log, err := os.ReadFile(filepath.Join(dir, "downtime.log"))
	if err != nil || !strings.Contains(string(log), `msg="host muted" host=db-01 until=`) || !strings.Contains(string(log), `msg="host unmuted" host=db-01 by=tui`) {
		t.Errorf("log: %v\n%s", err, log)
	}
}
