package store

import (
	"net/netip"
	"path/filepath"
	"testing"
	"time"

	"downtime/monitor"
)

func TestGoodPathsRoundTrip(t *testing.T) {
	s, path := openTemp(t)
	saves := []struct {
		name string
		p    GoodPath
	}{
		{"core", GoodPath{Addr: netip.MustParseAddr("198.18.0.1"), Hop: 2, Traced: t0}},
		{"v6", GoodPath{Addr: netip.MustParseAddr("2001:db8::1"), Hop: 5, Traced: t0.Add(time.Second)}},
		// A second save of a host replaces the first: the address changed.
		{"core", GoodPath{Addr: netip.MustParseAddr("198.18.0.7"), Hop: 3, Traced: t0.Add(time.Hour)}},
	}
	for _, x := range saves {
		if err := s.SaveGoodPath(x.name, x.p); err != nil {
			t.Fatal(err)
		}
	}
	want := map[string]GoodPath{"core": saves[2].p, "v6": saves[1].p}
	check := func(s *Store, when string) {
		t.Helper()
		got, err := s.GoodPaths()
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Errorf("%s: %d good paths %+v, want %+v", when, len(got), got, want)
		}
		for name, w := range want {
			if g := got[name]; g.Addr != w.Addr || g.Hop != w.Hop || !g.Traced.Equal(w.Traced) {
				t.Errorf("%s: %s: %+v, want %+v", when, name, g, w)
			}
		}
	}
	check(s, "same store")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	check(s, "reopened")
}

// A hop of 0 is not a good path: the table refuses it rather than keep a
// row that would say the host used to answer nowhere.
func TestGoodPathRefusesHopZero(t *testing.T) {
	s, _ := openTemp(t)
	if err := s.SaveGoodPath("h", GoodPath{Addr: netip.MustParseAddr("198.18.0.1"), Traced: t0}); err == nil {
		t.Error("a good path at hop 0 was saved")
	}
}

// A state file of the version before good paths opens, keeps its data and
// gets the table, empty.
func TestGoodPathsMigrateFromPreviousVersion(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	all := migrations
	t.Cleanup(func() { migrations = all })
	migrations = all[:len(all)-1]
	if migrations[len(migrations)-1].name != "history: minutes and hours of latency and loss" {
		t.Fatalf("the migration before good paths is %q: this test needs updating", migrations[len(migrations)-1].name)
	}
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SaveHost("h", monitor.Saved{State: monitor.Up, Since: t0}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GoodPaths(); err == nil {
		t.Error("the previous version already has good paths")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	migrations = all
	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, _ := schemaVersion(t, s); v != len(all) {
		t.Errorf("user_version %d, want %d", v, len(all))
	}
	if hosts, err := s.Hosts(); err != nil || hosts["h"].State != monitor.Up {
		t.Errorf("saved host after the migration: %+v, %v", hosts, err)
	}
	got, err := s.GoodPaths()
	if err != nil || len(got) != 0 {
		t.Fatalf("good paths after the migration: %+v, %v; want none", got, err)
	}
	p := GoodPath{Addr: netip.MustParseAddr("198.18.0.1"), Hop: 3, Traced: t0}
	if err := s.SaveGoodPath("h", p); err != nil {
		t.Fatal(err)
	}
	if got, err := s.GoodPaths(); err != nil || got["h"].Hop != 3 {
		t.Errorf("good paths %+v, %v; want h at hop 3", got, err)
	}
}
