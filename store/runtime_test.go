package store

import (
	"slices"
	"testing"
	"time"

	"downtime/config"
	"downtime/monitor"
)

func equalHosts(a, b config.Host) bool {
	return a.Name == b.Name && a.Address == b.Address && a.Parent == b.Parent &&
		a.Interval == b.Interval && a.Timeout == b.Timeout &&
		a.DownAfter == b.DownAfter && a.UpAfter == b.UpAfter &&
		slices.Equal(a.Reminders, b.Reminders) && (a.Reminders == nil) == (b.Reminders == nil) &&
		a.Origin == b.Origin && a.Target == b.Target
}

func checkRuntimeHosts(t *testing.T, s *Store, want ...config.Host) {
	t.Helper()
	got, err := s.RuntimeHosts()
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("RuntimeHosts() = %+v, want %+v", got, want)
	}
	for i := range want {
		if !equalHosts(got[i], want[i]) {
			t.Errorf("RuntimeHosts()[%d] = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestRuntimeHosts(t *testing.T) {
	s, _ := openTemp(t)
	zeta := config.Host{Name: "zeta", Address: "tcp://db.example:5432", Parent: "gw",
		Interval: 2 * time.Second, Timeout: 1500 * time.Millisecond, DownAfter: 5, UpAfter: 2,
		Reminders: []time.Duration{10 * time.Minute, 90 * time.Minute, 1500 * time.Millisecond}}
	alpha := config.Host{Name: "alpha", Address: "2001:2::1", Interval: time.Second, Timeout: time.Second,
		DownAfter: 3, UpAfter: 1, Reminders: []time.Duration{}} // no reminders at all
	mid := config.Host{Name: "mid", Address: "198.18.0.9"} // nil reminders: not set
	for _, h := range []config.Host{zeta, alpha, mid} {
		if err := s.AddRuntimeHost(h); err != nil {
			t.Fatal(err)
		}
	}
	// What comes back is marked as a runtime host, in the order added (not
	// by name).
	for _, h := range []*config.Host{&zeta, &alpha, &mid} {
		h.Origin = config.OriginRuntime
	}
	checkRuntimeHosts(t, s, zeta, alpha, mid)

	// Adding a name again replaces it in place.
	zeta.Address = "198.18.0.2"
	zeta.Reminders = nil
	if err := s.AddRuntimeHost(zeta); err != nil {
		t.Fatal(err)
	}
	checkRuntimeHosts(t, s, zeta, alpha, mid)

	// Removing takes the host's saved state with it; re-adding puts it last.
	if err := s.SaveHost("zeta", monitor.Saved{State: monitor.Up, Paused: true, PausedAt: t0}); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveRuntimeHost("zeta"); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveRuntimeHost("zeta"); err != nil {
		t.Errorf("removing an unknown host: %v", err)
	}
	checkRuntimeHosts(t, s, alpha, mid)
	hosts, err := s.Hosts()
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := hosts["zeta"]; ok {
		t.Error("removed runtime host kept its saved state")
	}
	if err := s.AddRuntimeHost(zeta); err != nil {
		t.Fatal(err)
	}
	checkRuntimeHosts(t, s, alpha, mid, zeta)
}
