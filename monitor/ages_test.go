package monitor

import (
	"slices"
	"strings"
	"testing"
	"time"

	"downtime/config"
	"downtime/probe"
)

// monoClock is a Clock whose readings carry a monotonic reading, as
// time.Now's do. Go offers no way to move a reading's wall part without its
// monotonic part, so a VM pause (the monotonic clock stands still, the wall
// clock does not) cannot be played; what can be checked is that no instant
// the monitor hands out keeps a monotonic reading, so every age computed
// from them is a wall-clock difference.
type monoClock struct {
	base time.Time // time.Now() at the start
	d    time.Duration
}

func (c *monoClock) Now() time.Time { return c.base.Add(c.d) }

// TestOutageStartsAtFirstLostProbe covers issue 10 item 2: an outage
// starts at the wall-clock time the first probe of the failing run was
// sent (the engine's stamp), not when down_after was crossed; every instant
// the monitor hands out is a wall-clock reading with no monotonic part, so
// the ages computed from them are wall-clock differences.
func TestOutageStartsAtFirstLostProbe(t *testing.T) {
	clock := &monoClock{base: time.Now()}
	m := New(clock, []config.Host{hostCfg("h", 3, 1)}, nil)
	id, _ := m.Lookup("h")

	m.Handle(okResult(id, time.Millisecond))
	var first time.Time
	var down Transition
	for i := range 3 {
		clock.d += time.Second
		r := failResult(id)
		r.At = clock.Now().Add(-time.Second) // sent a timeout ago
		if i == 0 {
			first = r.At
		}
		if tr, ok := m.Handle(r); ok {
			down = tr
		}
	}
	if down.To != Down {
		t.Fatalf("no DOWN after 3 failures")
	}
	if !down.DownSince.Equal(first) {
		t.Errorf("DownSince = %v, want the first lost probe's %v (the DOWN was decided at %v)", down.DownSince, first, down.At)
	}
	for what, ts := range map[string]time.Time{"At": down.At, "DownSince": down.DownSince} {
		if strings.Contains(ts.String(), "m=") {
			t.Errorf("%s %v carries a monotonic reading: ages from it stop while the machine is paused", what, ts)
		}
	}
	v := viewOf(t, m.Snapshot(), id)
	if !v.DownSince.Equal(first) || !v.Since.Equal(first) {
		t.Errorf("view: DownSince %v Since %v, want both %v", v.DownSince, v.Since, first)
	}

	// Ten minutes later (the clock jumps) the UP's length is the
	// wall-clock difference from the first lost probe.
	clock.d += 10 * time.Minute
	up, ok := m.Handle(okResult(id, time.Millisecond))
	if !ok || up.To != Up {
		t.Fatalf("no UP: %+v", up)
	}
	want := clock.Now().Round(0).Sub(first)
	if got := up.Outage(); got != want || got < 10*time.Minute {
		t.Errorf("UP after %v, want %v (the wall-clock length, pause included)", got, want)
	}
}

// TestFirstLostProbeWithoutStamp: a result with no send time (a prober
// that does not stamp) starts the outage when the first loss is seen.
func TestFirstLostProbeWithoutStamp(t *testing.T) {
	clock := newClock()
	m := New(clock, []config.Host{hostCfg("h", 3, 1)}, nil)
	m.Handle(failResult(1)) // at t0
	clock.Advance(time.Second)
	m.Handle(okResult(1, time.Millisecond)) // a success ends that run
	clock.Advance(time.Second)
	m.Handle(failResult(1)) // the run that counts starts here: t0+2s
	clock.Advance(5 * time.Second)
	m.Handle(failResult(1))
	future := failResult(1)
	future.At = t0.Add(time.Hour) // a stamp from the future counts as now
	tr, ok := m.Handle(future)
	if !ok || !tr.DownSince.Equal(t0.Add(2*time.Second)) || !tr.At.Equal(t0.Add(7*time.Second)) {
		t.Errorf("DOWN = %+v, %v; want since t0+2s, decided t0+7s", tr, ok)
	}
}

// TestPauseKeepsAges covers issue 10 item 2: pausing and resuming a host
// does not reset how long it has been up or down, nor does a restart
// while it is paused.
func TestPauseKeepsAges(t *testing.T) {
	clock := newClock()
	m := New(clock, []config.Host{hostCfg("up", 3, 1), hostCfg("down", 3, 1), hostCfg("new", 3, 1)}, nil)
	st := &fakeStore{}
	m.SetStore(st, func(err error) { t.Errorf("store error %v", err) })
	up, _ := m.Lookup("up")
	down, _ := m.Lookup("down")
	fresh, _ := m.Lookup("new")
	m.Handle(okResult(up, time.Millisecond)) // up since t0
	for range 3 {
		m.Handle(failResult(down)) // down since t0
	}
	clock.Advance(time.Hour)
	m.PauseAll()
	clock.Advance(time.Hour)

	// A restart while paused: the saved states bring the ages back.
	saved := map[string]Saved{}
	for _, h := range m.hosts {
		saved[h.cfg.Name] = h.saved()
	}
	m2 := New(clock, []config.Host{hostCfg("up", 3, 1), hostCfg("down", 3, 1), hostCfg("new", 3, 1)}, saved)

	for _, mon := range []*Monitor{m, m2} {
		mon.ResumeAll()
		s := mon.Snapshot()
		if v := viewOf(t, s, up); v.State != Up || !v.Since.Equal(t0) {
			t.Errorf("resumed UP host: %s since %v, want up since %v", v.State, v.Since, t0)
		}
		if v := viewOf(t, s, down); v.State != Down || !v.Since.Equal(t0) || !v.DownSince.Equal(t0) {
			t.Errorf("resumed DOWN host: %s since %v down since %v, want down since %v", v.State, v.Since, v.DownSince, t0)
		}
		if v := viewOf(t, s, fresh); v.State != Pending || !v.Since.Equal(t0.Add(2*time.Hour)) {
			t.Errorf("resumed pending host: %s since %v, want pending since the resume", v.State, v.Since)
		}
	}
	// The resumed UP host goes down as any UP host does.
	var got []Transition
	for range 3 {
		if tr, ok := m.Handle(failResult(up)); ok {
			got = append(got, tr)
		}
	}
	if len(got) != 1 || got[0].From != Up || got[0].To != Down {
		t.Errorf("resumed UP host failing: %+v, want one UP→DOWN", got)
	}
}

// TestReloadRemovingADownHostClosesItsOutage covers issue 11 (reading)
// item 2 for a reload: the outage row of a host removed while DOWN is
// closed, so a host later added under that name starts with no outage.
func TestReloadRemovingADownHostClosesItsOutage(t *testing.T) {
	clock := newClock()
	m := New(clock, []config.Host{hostCfg("keep", 1, 1), hostCfg("gone", 1, 1)}, nil)
	st := &fakeStore{}
	m.SetStore(st, func(err error) { t.Errorf("store error %v", err) })
	gone, _ := m.Lookup("gone")
	m.Handle(probe.Result{ID: gone, Err: probe.ErrTimeout})
	clock.Advance(time.Minute)
	if _, err := m.Reload([]config.Host{hostCfg("keep", 1, 1)}); err != nil {
		t.Fatal(err)
	}
	want := []string{"outage-start gone 0s", "save gone down since=0s down=0s", "outage-end gone 0s 1m0s"}
	if got := st.take(); !slices.Equal(got, want) {
		t.Errorf("store calls:\n got %q\nwant %q", got, want)
	}
}
