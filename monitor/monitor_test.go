package monitor

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"downtime/config"
	"downtime/probe"
)

// want is an expected transition: after result number step (0-based).
type want struct {
	step     int
	from, to State
}

// TestStateMachine feeds a script of results to one host, one per second of
// fake time: '.' is a reply, 'x' a timeout.
func TestStateMachine(t *testing.T) {
	downAt := t0.Add(-time.Hour)
	tests := []struct {
		name                string
		downAfter, upAfter  int
		saved               *Saved
		script              string
		want                []want
		final               State
		wantDownSinceOnDown time.Time // for the first Down→Up; zero: the DOWN transition's At
	}{
		{name: "never answering host goes down", downAfter: 3, upAfter: 1, script: "xxx",
			want: []want{{2, Pending, Down}}, final: Down},
		{name: "fewer failures than down_after", downAfter: 3, upAfter: 1, script: "xx", final: Pending},
		{name: "pending to up is no transition", downAfter: 3, upAfter: 1, script: ".", final: Up},
		{name: "pending waits for up_after", downAfter: 3, upAfter: 2, script: ".", final: Pending},
		{name: "pending to up after up_after", downAfter: 3, upAfter: 2, script: "..", final: Up},
		{name: "up to down after down_after", downAfter: 3, upAfter: 1, script: "...xxx",
			want: []want{{5, Up, Down}}, final: Down},
		{name: "a success resets the failure count", downAfter: 3, upAfter: 1, script: ".xx.xx", final: Up},
		{name: "failures count again after the reset", downAfter: 3, upAfter: 1, script: ".xx.xxx",
			want: []want{{6, Up, Down}}, final: Down},
		{name: "down then up", downAfter: 3, upAfter: 1, script: "xxx.",
			want: []want{{2, Pending, Down}, {3, Down, Up}}, final: Up},
		{name: "a failure resets the success count", downAfter: 3, upAfter: 3, script: "xxx..x...",
			want: []want{{2, Pending, Down}, {8, Down, Up}}, final: Up},
		{name: "more failures while down are no transition", downAfter: 3, upAfter: 1, script: "xxxxxxx",
			want: []want{{2, Pending, Down}}, final: Down},
		{name: "down_after 1", downAfter: 1, upAfter: 1, script: ".x.x",
			want: []want{{1, Up, Down}, {2, Down, Up}, {3, Up, Down}}, final: Down},
		{name: "zero thresholds act as 1", downAfter: 0, upAfter: 0, script: "x.",
			want: []want{{0, Pending, Down}, {1, Down, Up}}, final: Up},
		{name: "restored up goes down normally", downAfter: 3, upAfter: 1,
			saved: &Saved{State: Up, Since: downAt}, script: "xxx",
			want: []want{{2, Up, Down}}, final: Down},
		{name: "restored down stays down without a transition", downAfter: 3, upAfter: 1,
			saved: &Saved{State: Down, Since: downAt, DownSince: downAt}, script: "xxxx", final: Down},
		{name: "restored down recovers with the saved DownSince", downAfter: 3, upAfter: 1,
			saved: &Saved{State: Down, Since: downAt, DownSince: downAt}, script: "x.",
			want: []want{{1, Down, Up}}, final: Up, wantDownSinceOnDown: downAt},
		{name: "restored pending", downAfter: 3, upAfter: 1,
			saved: &Saved{State: Pending}, script: "xxx",
			want: []want{{2, Pending, Down}}, final: Down},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clock := newClock()
			saved := map[string]Saved{}
			if tc.saved != nil {
				saved["h"] = *tc.saved
			}
			m := New(clock, []config.Host{hostCfg("h", tc.downAfter, tc.upAfter)}, saved)
			id, _ := m.Lookup("h")

			var got []Transition
			var steps []int
			runStart := map[int]time.Time{} // step → when its failing run's first probe was sent
			var start time.Time
			for i, c := range tc.script {
				if c == 'x' && (i == 0 || tc.script[i-1] != 'x') {
					start = t0.Add(time.Duration(i+1) * time.Second)
				}
				runStart[i] = start
				clock.Advance(time.Second)
				r := okResult(id, 5*time.Millisecond)
				if c == 'x' {
					r = failResult(id)
				}
				if tr, ok := m.Handle(r); ok {
					got = append(got, tr)
					steps = append(steps, i)
				}
			}

			if len(got) != len(tc.want) {
				t.Fatalf("got %d transitions %v, want %v", len(got), got, tc.want)
			}
			var lastDown time.Time
			for i, w := range tc.want {
				tr := got[i]
				if steps[i] != w.step || tr.From != w.from || tr.To != w.to {
					t.Errorf("transition %d: step %d %s→%s, want step %d %s→%s",
						i, steps[i], tr.From, tr.To, w.step, w.from, w.to)
				}
				wantAt := t0.Add(time.Duration(w.step+1) * time.Second)
				if !tr.At.Equal(wantAt) {
					t.Errorf("transition %d: At %v, want %v", i, tr.At, wantAt)
				}
				if tr.ID != id || tr.Host != "h" || tr.Address != "h.test" || tr.Restored {
					t.Errorf("transition %d: wrong identity %+v", i, tr)
				}
				switch tr.To {
				case Down:
					// Issue 10 item 2: the outage starts at the first lost
					// probe of the run, not at the one that crossed down_after.
					lastDown = runStart[steps[i]]
					if !tr.DownSince.Equal(lastDown) || tr.Reason != "timeout" {
						t.Errorf("DOWN: DownSince %v Reason %q, want %v and %q", tr.DownSince, tr.Reason, lastDown, "timeout")
					}
				case Up:
					wantSince := lastDown
					if !tc.wantDownSinceOnDown.IsZero() {
						wantSince = tc.wantDownSinceOnDown
					}
					if !tr.DownSince.Equal(wantSince) || tr.Outage() != tr.At.Sub(wantSince) {
						t.Errorf("UP: DownSince %v outage %v, want %v", tr.DownSince, tr.Outage(), wantSince)
					}
				}
			}
			if s := viewOf(t, m.Snapshot(), id); s.State != tc.final {
				t.Errorf("final state %s, want %s", s.State, tc.final)
			}
		})
	}
}

func TestRestore(t *testing.T) {
	clock := newClock()
	downAt := t0.Add(-90 * time.Minute)
	pausedAt := t0.Add(-10 * time.Minute)
	upAt := t0.Add(-3 * time.Hour)
	hosts := []config.Host{hostCfg("down", 3, 1), hostCfg("up", 3, 1), hostCfg("new", 3, 1),
		hostCfg("paused-down", 3, 1), hostCfg("paused-up", 3, 1)}
	m := New(clock, hosts, map[string]Saved{
		"down":        {State: Down, Since: downAt, DownSince: downAt},
		"up":          {State: Up, Since: upAt},
		"paused-down": {State: Down, Since: downAt, DownSince: downAt, Paused: true, PausedAt: pausedAt},
		"paused-up":   {State: Up, Since: upAt, Paused: true, PausedAt: pausedAt},
		"gone":        {State: Down, Since: downAt, DownSince: downAt}, // no longer configured
	})

	restored := m.Restored()
	if len(restored) != 1 {
		t.Fatalf("Restored() = %+v, want only host down", restored)
	}
	r := restored[0]
	if r.Host != "down" || r.ID != 1 || r.From != Down || r.To != Down || !r.Restored ||
		!r.DownSince.Equal(downAt) || !r.At.Equal(t0) {
		t.Errorf("restored transition = %+v", r)
	}

	s := m.Snapshot()
	type row struct {
		state                    State
		since, downSince, paused time.Time
	}
	wantRows := map[string]row{
		"down":        {Down, downAt, downAt, time.Time{}},
		"up":          {Up, upAt, time.Time{}, time.Time{}},
		"new":         {Pending, t0, time.Time{}, time.Time{}},
		"paused-down": {Paused, pausedAt, time.Time{}, pausedAt},
		"paused-up":   {Paused, pausedAt, time.Time{}, pausedAt},
	}
	for i, v := range s.Hosts {
		if v.ID != probe.HostID(i+1) || v.Name != hosts[i].Name {
			t.Errorf("host %d is %d %q, want IDs in config order", i, v.ID, v.Name)
		}
		w := wantRows[v.Name]
		got := row{v.State, v.Since, v.DownSince, v.PausedAt}
		if got.state != w.state || !got.since.Equal(w.since) || !got.downSince.Equal(w.downSince) || !got.paused.Equal(w.paused) {
			t.Errorf("%s: got %+v, want %+v", v.Name, got, w)
		}
	}

	var specIDs []probe.HostID
	for _, sp := range m.Specs() {
		specIDs = append(specIDs, sp.ID)
	}
	if !slices.Equal(specIDs, []probe.HostID{1, 2, 3}) {
		t.Errorf("Specs() IDs = %v, want the unpaused hosts 1 2 3", specIDs)
	}

	// A host paused while down resumes down with its outage intact.
	id, _ := m.Lookup("paused-down")
	if err := m.Resume(id); err != nil {
		t.Fatal(err)
	}
	if v := viewOf(t, m.Snapshot(), id); v.State != Down || !v.DownSince.Equal(downAt) {
		t.Errorf("after resume: %s since %v, want down since %v", v.State, v.DownSince, downAt)
	}
	tr, ok := m.Handle(okResult(id, time.Millisecond))
	if !ok || tr.From != Down || tr.To != Up || !tr.DownSince.Equal(downAt) {
		t.Errorf("recovery after resume = %+v, %v", tr, ok)
	}
}

func TestPauseResume(t *testing.T) {
	clock := newClock()
	m := New(clock, []config.Host{hostCfg("a", 3, 1), hostCfg("b", 3, 1)}, nil)
	a, _ := m.Lookup("a")

	m.Handle(failResult(a))
	m.Handle(failResult(a))
	clock.Advance(time.Minute)
	if err := m.Pause(a); err != nil {
		t.Fatal(err)
	}
	if err := m.Pause(a); err != nil {
		t.Errorf("second Pause = %v, want nil (no-op)", err)
	}
	before := viewOf(t, m.Snapshot(), a)
	if before.State != Paused || !before.PausedAt.Equal(t0.Add(time.Minute)) {
		t.Errorf("paused view = %s at %v", before.State, before.PausedAt)
	}
	for range 5 {
		if tr, ok := m.Handle(failResult(a)); ok {
			t.Errorf("paused host made transition %+v", tr)
		}
	}
	if after := viewOf(t, m.Snapshot(), a); after != before {
		t.Error("results for a paused host changed its view")
	}
	if specs := m.Specs(); len(specs) != 1 || specs[0].ID == a {
		t.Errorf("Specs() = %+v, want only host b", specs)
	}

	// Resume starts over: the two failures before the pause no longer count.
	clock.Advance(time.Minute)
	if err := m.Resume(a); err != nil {
		t.Fatal(err)
	}
	if v := viewOf(t, m.Snapshot(), a); v.State != Pending || !v.Since.Equal(t0.Add(2*time.Minute)) {
		t.Errorf("resumed view = %s since %v, want pending since resume", v.State, v.Since)
	}
	if _, ok := m.Handle(failResult(a)); ok {
		t.Error("failure counter survived the pause")
	}
	m.Handle(failResult(a))
	if tr, ok := m.Handle(failResult(a)); !ok || tr.From != Pending || tr.To != Down {
		t.Errorf("third failure after resume = %+v, %v; want PENDING→DOWN", tr, ok)
	}

	if err := m.Pause(99); !errors.Is(err, ErrUnknownHost) {
		t.Errorf("Pause(99) = %v, want ErrUnknownHost", err)
	}
	if err := m.Resume(99); !errors.Is(err, ErrUnknownHost) {
		t.Errorf("Resume(99) = %v, want ErrUnknownHost", err)
	}

	if ids := m.PauseAll(); !slices.Equal(ids, []probe.HostID{1, 2}) {
		t.Errorf("PauseAll() = %v", ids)
	}
	if ids := m.PauseAll(); len(ids) != 0 {
		t.Errorf("second PauseAll() = %v, want none", ids)
	}
	if len(m.Specs()) != 0 {
		t.Error("Specs() not empty after PauseAll")
	}
	if ids := m.ResumeAll(); !slices.Equal(ids, []probe.HostID{1, 2}) {
		t.Errorf("ResumeAll() = %v", ids)
	}
	// a was Down when paused: it comes back Down.
	if v := viewOf(t, m.Snapshot(), a); v.State != Down {
		t.Errorf("a after ResumeAll = %s, want down", v.State)
	}
}

func TestAddRemove(t *testing.T) {
	m := New(newClock(), []config.Host{hostCfg("cfg", 3, 1)}, nil)
	args := hostCfg("arg", 3, 1)
	args.Origin = config.OriginArgs
	if _, err := m.Add(args); err != nil {
		t.Fatal(err)
	}
	child := runtimeHost("child")
	child.Parent = "parent"

	type step struct {
		op      string // "add NAME", "add-child", "remove NAME", "remove-id N"
		wantID  probe.HostID
		wantErr error
		errText string
	}
	steps := []step{
		{op: "add rt", wantID: 3},
		{op: "add rt", wantErr: ErrDuplicateName},
		{op: "add cfg", wantErr: ErrDuplicateName},
		{op: "add-child", wantErr: ErrNoParent},
		{op: "add parent", wantID: 4},
		{op: "add-child", wantID: 5},
		{op: "remove cfg", wantErr: ErrNotRuntime, errText: "config file"},
		{op: "remove arg", wantErr: ErrNotRuntime, errText: "command line"},
		{op: "remove parent", wantErr: ErrIsParent, errText: `"child"`},
		{op: "remove child"},
		{op: "remove parent"},
		{op: "remove rt"},
		{op: "remove-id 3", wantErr: ErrUnknownHost},
		{op: "add rt", wantID: 6}, // IDs are never reused
	}
	for _, s := range steps {
		verb, name, _ := strings.Cut(s.op, " ")
		var (
			id  probe.HostID
			err error
		)
		switch verb {
		case "add":
			h := runtimeHost(name)
			if name == "cfg" {
				h = hostCfg(name, 3, 1)
			}
			id, err = m.Add(h)
		case "add-child":
			id, err = m.Add(child)
		case "remove":
			hid, ok := m.Lookup(name)
			if !ok {
				t.Fatalf("%s: Lookup(%q) failed", s.op, name)
			}
			err = m.Remove(hid)
			if err == nil {
				if _, still := m.Lookup(name); still {
					t.Errorf("%s: host still found after Remove", s.op)
				}
			}
		case "remove-id":
			err = m.Remove(3)
		}
		switch {
		case s.wantErr != nil && !errors.Is(err, s.wantErr):
			t.Errorf("%s: err = %v, want %v", s.op, err, s.wantErr)
		case s.wantErr == nil && err != nil:
			t.Errorf("%s: unexpected error %v", s.op, err)
		case s.errText != "" && !strings.Contains(err.Error(), s.errText):
			t.Errorf("%s: error %q does not mention %q", s.op, err, s.errText)
		case s.wantID != 0 && id != s.wantID:
			t.Errorf("%s: ID %d, want %d", s.op, id, s.wantID)
		}
	}

	var names []string
	for _, v := range m.Snapshot().Hosts {
		names = append(names, v.Name)
	}
	if !slices.Equal(names, []string{"cfg", "arg", "rt"}) {
		t.Errorf("hosts after the steps = %v", names)
	}
	if _, err := m.Add(config.Host{Address: "x"}); err == nil {
		t.Error("Add with an empty name succeeded")
	}
	if _, ok := m.Handle(failResult(3)); ok {
		t.Error("result for a removed host was handled")
	}
}

func TestSnapshotReuse(t *testing.T) {
	clock := newClock()
	m := New(clock, []config.Host{hostCfg("a", 3, 1), hostCfg("b", 3, 1), hostCfg("c", 3, 1)}, nil)
	s1 := m.Snapshot()
	if len(s1.Hosts) != 3 {
		t.Fatalf("%d hosts", len(s1.Hosts))
	}

	clock.Advance(time.Second)
	s2 := m.Snapshot()
	if &s2.Hosts[0] != &s1.Hosts[0] {
		t.Error("an unchanged monitor built a new host list")
	}
	if !s2.At.Equal(t0.Add(time.Second)) {
		t.Errorf("At = %v, want the clock's time", s2.At)
	}

	m.Handle(okResult(2, 3*time.Millisecond))
	s3 := m.Snapshot()
	if s3.Hosts[0] != s1.Hosts[0] || s3.Hosts[2] != s1.Hosts[2] {
		t.Error("unchanged hosts got new views")
	}
	if s3.Hosts[1] == s1.Hosts[1] {
		t.Fatal("changed host kept its old view")
	}
	if len(s1.Hosts[1].Samples) != 0 || s1.Hosts[1].State != Pending {
		t.Error("a published view was modified")
	}

	// The view's samples are a copy: later results do not show through.
	m.Handle(failResult(2))
	if got := s3.Hosts[1].Samples; len(got) != 1 || got[0] != SampleOf(3*time.Millisecond) {
		t.Errorf("published samples changed to %v", got)
	}
	if got := m.Snapshot().Hosts[1].Samples; !slices.Equal(got, []Sample{SampleOf(3 * time.Millisecond), Lost}) {
		t.Errorf("new samples = %v", got)
	}

	// Adding a host changes the list but not the other views.
	id, _ := m.Add(runtimeHost("d"))
	s4 := m.Snapshot()
	if len(s4.Hosts) != 4 || s4.Hosts[3].ID != id || s4.Hosts[0] != s1.Hosts[0] {
		t.Errorf("after Add: %d hosts", len(s4.Hosts))
	}
}

func TestStoreCalls(t *testing.T) {
	tests := []struct {
		name   string
		script func(m *Monitor, clock *fakeClock)
		want   []string
	}{
		{"results without a state change save nothing", func(m *Monitor, c *fakeClock) {
			m.Handle(failResult(1))
			m.Handle(failResult(1))
			m.Handle(okResult(1, time.Millisecond)) // Pending→Up is a state change
			m.Handle(okResult(1, time.Millisecond))
			m.Handle(failResult(1))
		}, []string{"save h up since=0s"}},
		{"an outage", func(m *Monitor, c *fakeClock) {
			for range 3 {
				c.Advance(time.Second)
				m.Handle(failResult(1))
			}
			m.Handle(failResult(1))
			c.Advance(time.Minute)
			m.Handle(okResult(1, time.Millisecond))
		}, []string{ // issue 10 item 2: from the first lost probe (1s), not the third
			"outage-start h 1s", "save h down since=1s down=1s",
			"outage-end h 1s 1m3s", "save h up since=1m3s",
		}},
		{"pause and resume", func(m *Monitor, c *fakeClock) {
			for range 3 {
				m.Handle(failResult(1))
			}
			c.Advance(time.Second)
			m.Pause(1)
			m.Pause(1)
			c.Advance(time.Second)
			m.Resume(1)
		}, []string{
			"outage-start h 0s", "save h down since=0s down=0s",
			"save h down since=0s down=0s paused=1s",
			"save h down since=0s down=0s",
		}},
		{"pause an up host", func(m *Monitor, c *fakeClock) {
			m.Handle(okResult(1, time.Millisecond))
			c.Advance(time.Second)
			m.Pause(1)
		}, []string{"save h up since=0s", "save h up since=0s paused=1s"}}, // issue 10 item 2: up-since survives the pause
		{"runtime hosts", func(m *Monitor, c *fakeClock) {
			id, _ := m.Add(runtimeHost("rt"))
			m.Add(hostCfg("notrt", 3, 1))
			m.Remove(id)
		}, []string{"add rt", "remove rt"}},
		// Issue 11 (reading) item 2: removing a host while it is DOWN closes
		// its outage row, so a host added later under that name does not
		// show an ongoing outage.
		{"remove a runtime host while down", func(m *Monitor, c *fakeClock) {
			id, _ := m.Add(runtimeHost("rt"))
			c.Advance(time.Second)
			for range 3 {
				m.Handle(failResult(id))
			}
			c.Advance(time.Minute)
			m.Remove(id)
		}, []string{
			"add rt", "outage-start rt 1s", "save rt down since=1s down=1s",
			"outage-end rt 1s 1m1s", "remove rt",
		}},
		{"remove a runtime host paused while down", func(m *Monitor, c *fakeClock) {
			id, _ := m.Add(runtimeHost("rt"))
			for range 3 {
				m.Handle(failResult(id))
			}
			c.Advance(time.Second)
			m.Pause(id)
			c.Advance(time.Second)
			m.Remove(id)
		}, []string{
			"add rt", "outage-start rt 0s", "save rt down since=0s down=0s",
			"save rt down since=0s down=0s paused=1s",
			"outage-end rt 0s 2s", "remove rt",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clock := newClock()
			m := New(clock, []config.Host{hostCfg("h", 3, 1)}, nil)
			st := &fakeStore{}
			m.SetStore(st, func(err error) { t.Errorf("store error %v", err) })
			tc.script(m, clock)
			if got := st.take(); !slices.Equal(got, tc.want) {
				t.Errorf("store calls:\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestStoreErrorsDoNotStopMonitoring(t *testing.T) {
	m := New(newClock(), []config.Host{hostCfg("h", 1, 1)}, nil)
	st := &fakeStore{fail: errBoom}
	var errs []error
	m.SetStore(st, func(err error) { errs = append(errs, err) })

	if tr, ok := m.Handle(failResult(1)); !ok || tr.To != Down {
		t.Fatalf("DOWN lost to a store error: %+v %v", tr, ok)
	}
	if tr, ok := m.Handle(okResult(1, time.Millisecond)); !ok || tr.To != Up {
		t.Fatalf("UP lost to a store error: %+v %v", tr, ok)
	}
	if _, err := m.Add(runtimeHost("rt")); err != nil {
		t.Errorf("Add failed because of the store: %v", err)
	}
	if _, ok := m.Lookup("rt"); !ok {
		t.Error("runtime host not monitored after a store error")
	}

	if len(errs) != 5 { // outage start, save, outage end, save, add
		t.Errorf("got %d errors, want 5: %v", len(errs), errs)
	}
	for _, err := range errs {
		if !errors.Is(err, errBoom) || !strings.Contains(err.Error(), `"`) {
			t.Errorf("error %q does not wrap the store's error with the host", err)
		}
	}

	// With no error callback, failures are dropped, not fatal.
	m.SetStore(st, nil)
	m.Handle(failResult(1))
}
