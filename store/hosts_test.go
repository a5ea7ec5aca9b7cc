package store

import (
	"testing"
	"time"

	"downtime/monitor"
)

func TestSaveHostRoundTrip(t *testing.T) {
	s, _ := openTemp(t)
	want := map[string]monitor.Saved{
		"up":      {State: monitor.Up, Since: t0},
		"down":    {State: monitor.Down, Since: t0, DownSince: t0.Add(-time.Minute)},
		"paused":  {State: monitor.Up, Since: t0, Paused: true, PausedAt: t0.Add(time.Hour)},
		"pending": {}, // all zero: zero times survive as zero
	}
	for name, h := range want {
		if err := s.SaveHost(name, h); err != nil {
			t.Fatal(err)
		}
	}
	checkHosts(t, s, want)

	// Saving again replaces.
	want["down"] = monitor.Saved{State: monitor.Up, Since: t0.Add(2 * time.Minute)}
	if err := s.SaveHost("down", want["down"]); err != nil {
		t.Fatal(err)
	}
	checkHosts(t, s, want)

	delete(want, "paused")
	if err := s.Forget("paused"); err != nil {
		t.Fatal(err)
	}
	if err := s.Forget("never-saved"); err != nil {
		t.Errorf("Forget of an unknown host: %v", err)
	}
	checkHosts(t, s, want)
}

func TestSaveHostConvertsToUTC(t *testing.T) {
	s, _ := openTemp(t)
	local := t0.In(time.FixedZone("CET", 3600))
	if err := s.SaveHost("h", monitor.Saved{State: monitor.Up, Since: local}); err != nil {
		t.Fatal(err)
	}
	hosts, err := s.Hosts()
	if err != nil {
		t.Fatal(err)
	}
	if got := hosts["h"].Since; got != t0 {
		t.Errorf("Since = %v, want %v", got, t0)
	}
}

func checkHosts(t *testing.T, s *Store, want map[string]monitor.Saved) {
	t.Helper()
	got, err := s.Hosts()
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Errorf("Hosts() has %d hosts, want %d: %v", len(got), len(want), got)
	}
	for name, w := range want {
		if g, ok := got[name]; !ok || g != w {
			t.Errorf("Hosts()[%q] = %+v (present %v), want %+v", name, g, ok, w)
		}
	}
}
