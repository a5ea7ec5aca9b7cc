package monitor

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"downtime/config"
	"downtime/probe"
)

// forgetStore is a fakeStore that also forgets saved states, as the real
// store does.
type forgetStore struct{ fakeStore }

func (s *forgetStore) Forget(name string) error { return s.record("forget %s", name) }

func names(s Snapshot) []string {
	var out []string
	for _, v := range s.Hosts {
		out = append(out, v.Name)
	}
	return out
}

// TestReloadKeepsUnchangedHosts is the scenario inside the monitor:
// hosts a, b with a DOWN; the config becomes a, c: b goes, c comes, and a
// keeps its ID, outage, history and counters.
func TestReloadKeepsUnchangedHosts(t *testing.T) {
	clock := newClock()
	st := &forgetStore{}
	m := New(clock, []config.Host{hostCfg("a", 2, 1), hostCfg("b", 2, 1)}, nil)
	m.KeepCounters()
	m.SetStore(st, nil)
	h := startRunner(t, m, RunnerOptions{})
	recv(t, h.r.Snapshots())
	ctx := context.Background()
	a, _ := m.Lookup("a")
	b, _ := m.Lookup("b")
	for _, r := range []probe.Result{okResult(a, 2*time.Millisecond), okResult(b, time.Millisecond), failResult(a), failResult(a)} {
		clock.Advance(time.Second)
		send(t, h.results, r)
	}
	if tr := recv(t, h.r.Transitions()); tr.Host != "a" || tr.To != Down {
		t.Fatalf("transition %+v, want a DOWN", tr)
	}
	before, _ := h.r.Snapshot(ctx)
	va := *viewOf(t, before, a)
	h.eng.take()
	st.take()

	clock.Advance(time.Minute)
	res, err := h.r.Reload(ctx, []config.Host{hostCfg("a", 2, 1), hostCfg("c", 2, 1)})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Added, []string{"c"}) || !slices.Equal(res.Removed, []string{"b"}) || len(res.Changed) != 0 {
		t.Errorf("reload result %+v, want c added, b removed, nothing changed", res)
	}
	c, ok := m.Lookup("c")
	if !ok {
		t.Fatal("c not monitored after the reload")
	}
	if ops := h.eng.take(); !slices.Equal(ops, []string{"remove 2", "add 3"}) {
		t.Errorf("engine got %v, want b removed and c added", ops)
	}
	if calls := st.take(); !slices.Equal(calls, []string{"forget b"}) {
		t.Errorf("store got %v, want b's state forgotten", calls)
	}
	h.sync(t) // notices go out after the command
	select {
	case n := <-h.r.Transitions():
		t.Errorf("removing b, which was up, sent %+v", n)
	default:
	}

	after, _ := h.r.Snapshot(ctx)
	if got := names(after); !slices.Equal(got, []string{"a", "c"}) {
		t.Errorf("hosts after the reload: %v", got)
	}
	if v := viewOf(t, after, a); v != before.Hosts[0] {
		// Unchanged, the view itself is shared: nothing about a moved.
		if v.State != Down || !v.DownSince.Equal(va.DownSince) || !slices.Equal(v.Samples, va.Samples) || v.Counters != va.Counters || v.ID != a {
			t.Errorf("a after the reload %+v, want as before %+v", v, va)
		}
	}
	if viewOf(t, after, c).State != Pending {
		t.Error("c does not start Pending")
	}

	// b's late results are ignored; a goes on where it was.
	send(t, h.results, okResult(b, time.Millisecond))
	clock.Advance(time.Second)
	send(t, h.results, okResult(a, time.Millisecond))
	tr := recv(t, h.r.Transitions())
	if tr.Host != "a" || tr.To != Up || !tr.DownSince.Equal(va.DownSince) {
		t.Errorf("transition %+v, want a UP after the outage that began %v", tr, va.DownSince)
	}
	if got := viewOf(t, m.Snapshot(), a).Counters; got.Probes() != va.Counters.Probes()+1 || got.Outages != 1 {
		t.Errorf("a's counters after one more probe: %+v, from %+v", got, va.Counters)
	}
}

func TestReloadChangedHosts(t *testing.T) {
	clock := newClock()
	m := New(clock, []config.Host{hostCfg("a", 3, 1), hostCfg("b", 3, 1), hostCfg("c", 3, 1), hostCfg("d", 3, 1)}, nil)
	h := startRunner(t, m, RunnerOptions{})
	recv(t, h.r.Snapshots())
	ctx := context.Background()
	for id := probe.HostID(1); id <= 4; id++ {
		send(t, h.results, okResult(id, time.Millisecond))
		send(t, h.results, failResult(id))
	}
	if err := h.r.Pause(ctx, 4); err != nil {
		t.Fatal(err)
	}
	before, _ := h.r.Snapshot(ctx)
	h.eng.take()

	a, b, c, d := hostCfg("a", 3, 1), hostCfg("b", 3, 1), hostCfg("c", 3, 1), hostCfg("d", 3, 1)
	a.DownAfter = 1 // thresholds: no new probing
	b.Interval = 2 * time.Second
	b.Timeout = 2 * time.Second // timing: probed anew
	c.Address, c.Target = "c2.test", probe.Target{Kind: probe.KindICMP, Host: "c2.test"}
	d.Interval = 5 * time.Second // paused: the engine learns it on resume
	res, err := h.r.Reload(ctx, []config.Host{d, c, b, a})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Changed, []string{"d", "c", "b", "a"}) || len(res.Added)+len(res.Removed) != 0 {
		t.Errorf("reload result %+v, want d, c, b, a changed", res)
	}
	if ops := h.eng.take(); !slices.Equal(ops, []string{"add 3", "add 2"}) {
		t.Errorf("engine got %v, want c and b probed anew, in the new order", ops)
	}
	after, _ := h.r.Snapshot(ctx)
	if got := names(after); !slices.Equal(got, []string{"d", "c", "b", "a"}) {
		t.Errorf("order after the reload: %v, want the new config's", got)
	}
	for _, name := range []string{"a", "b"} {
		id, _ := m.Lookup(name)
		if o, n := viewOf(t, before, id), viewOf(t, after, id); !slices.Equal(o.Samples, n.Samples) || o.Counters != n.Counters || o.State != n.State {
			t.Errorf("%s lost its history: before %+v after %+v", name, o, n)
		}
	}
	vc := viewOf(t, after, 3)
	if vc.Address != "c2.test" || len(vc.Samples) != 0 || vc.Counters.Probes() != 0 || vc.State != Up {
		t.Errorf("c with a new address: %+v, want fresh statistics and its state (up) kept", vc)
	}
	if vd := viewOf(t, after, 4); vd.State != Paused {
		t.Errorf("d is %v after the reload, want still paused", vd.State)
	}
	// The new threshold applies at once: a's one failure is now enough.
	send(t, h.results, failResult(1))
	if tr := recv(t, h.r.Transitions()); tr.Host != "a" || tr.To != Down {
		t.Errorf("transition %+v, want a DOWN with down_after 1", tr)
	}
	if err := h.r.Resume(ctx, 4); err != nil {
		t.Fatal(err)
	}
	if ops := h.eng.take(); !slices.Equal(ops, []string{"add 4"}) {
		t.Errorf("engine got %v on resume", ops)
	}
	if s := m.byID[4].spec(); s.Interval != 5*time.Second {
		t.Errorf("d resumes with interval %v, want the reloaded 5s", s.Interval)
	}

	// The same config again changes nothing.
	if res, err := h.r.Reload(ctx, []config.Host{d, c, b, a}); err != nil || len(res.Added)+len(res.Removed)+len(res.Changed) != 0 {
		t.Errorf("reloading the same config: %+v, %v", res, err)
	}
	if ops := h.eng.take(); len(ops) != 0 {
		t.Errorf("engine got %v for an unchanged config", ops)
	}
}

func TestReloadAndRuntimeHosts(t *testing.T) {
	newMonitor := func(t *testing.T, runtime ...config.Host) (*Monitor, *forgetStore) {
		t.Helper()
		m := New(newClock(), []config.Host{hostCfg("cfg", 3, 1), hostCfg("parent", 3, 1)}, nil)
		st := &forgetStore{}
		m.SetStore(st, nil)
		for _, h := range runtime {
			if _, err := m.Add(h); err != nil {
				t.Fatal(err)
			}
		}
		st.take()
		return m, st
	}
	rt := runtimeHost("rt")
	child := runtimeHost("child")
	child.Parent = "parent"

	t.Run("runtime hosts stay, after the config's", func(t *testing.T) {
		m, st := newMonitor(t, rt)
		res, err := m.Reload([]config.Host{hostCfg("new", 3, 1), hostCfg("cfg", 3, 1)})
		if err != nil {
			t.Fatal(err)
		}
		if got := names(m.Snapshot()); !slices.Equal(got, []string{"new", "cfg", "rt"}) {
			t.Errorf("hosts %v", got)
		}
		if !slices.Equal(res.Removed, []string{"parent"}) {
			t.Errorf("removed %v, want parent only", res.Removed)
		}
		if calls := st.take(); !slices.Equal(calls, []string{"forget parent"}) {
			t.Errorf("store got %v", calls)
		}
	})
	t.Run("a config host of the same name takes the runtime host over", func(t *testing.T) {
		m, st := newMonitor(t, rt)
		id, _ := m.Lookup("rt")
		m.Handle(okResult(id, time.Millisecond))
		st.take()
		res, err := m.Reload([]config.Host{hostCfg("cfg", 3, 1), hostCfg("parent", 3, 1), hostCfg("rt", 3, 1)})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(res.Changed, []string{"rt"}) {
			t.Errorf("changed %v, want rt", res.Changed)
		}
		v := viewOf(t, m.Snapshot(), id)
		if v.Origin != config.OriginConfig || v.State != Up {
			t.Errorf("rt after the reload: origin %v state %v, want config, up", v.Origin, v.State)
		}
		if calls := st.take(); !slices.Equal(calls, []string{"remove rt", "save rt up since=0s"}) {
			t.Errorf("store got %v, want rt off the runtime list with its state saved again", calls)
		}
		if err := m.Remove(id); !errors.Is(err, ErrNotRuntime) {
			t.Errorf("Remove of a host now in the config: %v", err)
		}
	})
	t.Run("a runtime host whose target the config now probes goes", func(t *testing.T) {
		m, st := newMonitor(t, rt)
		same := hostCfg("rt-in-config", 3, 1)
		same.Address, same.Target = rt.Address, rt.Target
		res, err := m.Reload([]config.Host{hostCfg("cfg", 3, 1), hostCfg("parent", 3, 1), same})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(res.Removed, []string{"rt"}) || !slices.Equal(res.Added, []string{"rt-in-config"}) {
			t.Errorf("reload result %+v", res)
		}
		if calls := st.take(); !slices.Equal(calls, []string{"remove rt"}) {
			t.Errorf("store got %v", calls)
		}
	})
	t.Run("a runtime host's parent cannot go", func(t *testing.T) {
		m, st := newMonitor(t, child)
		before := m.Snapshot()
		_, err := m.Reload([]config.Host{hostCfg("cfg", 3, 1)})
		if !errors.Is(err, ErrNoParent) {
			t.Fatalf("err = %v, want ErrNoParent", err)
		}
		if after := m.Snapshot(); !slices.Equal(after.Hosts, before.Hosts) {
			t.Errorf("a failed reload changed the hosts: %v", names(after))
		}
		if calls := st.take(); len(calls) != 0 {
			t.Errorf("a failed reload wrote to the store: %v", calls)
		}
	})
	t.Run("bad input", func(t *testing.T) {
		m, _ := newMonitor(t)
		orphan := hostCfg("orphan", 3, 1)
		orphan.Parent = "nobody"
		for _, hosts := range [][]config.Host{
			{hostCfg("x", 3, 1), hostCfg("x", 3, 1)},
			{{Address: "noname"}},
			{orphan},
		} {
			if _, err := m.Reload(hosts); err == nil {
				t.Errorf("Reload(%v) succeeded", hosts)
			}
		}
		if got := names(m.Snapshot()); !slices.Equal(got, []string{"cfg", "parent"}) {
			t.Errorf("hosts after failed reloads: %v", got)
		}
	})
}

// TestReloadRemovingADownHostSendsANotice: the alert path must learn that
// an outage it reminds about will never end with an UP.
func TestReloadRemovingADownHostSendsANotice(t *testing.T) {
	clock := newClock()
	m := New(clock, []config.Host{hostCfg("keep", 1, 1), hostCfg("down", 1, 1), hostCfg("paused-down", 1, 1)}, nil)
	h := startRunner(t, m, RunnerOptions{})
	recv(t, h.r.Snapshots())
	ctx := context.Background()
	send(t, h.results, failResult(2))
	send(t, h.results, failResult(3))
	recv(t, h.r.Transitions())
	recv(t, h.r.Transitions())
	if err := h.r.Pause(ctx, 3); err != nil {
		t.Fatal(err)
	}
	if n := recv(t, h.r.Transitions()); n.Notice != NoticePaused {
		t.Fatalf("pause sent %+v", n)
	}
	clock.Advance(time.Minute)
	if _, err := h.r.Reload(ctx, []config.Host{hostCfg("keep", 1, 1)}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []struct {
		host string
		from State
	}{{"down", Down}, {"paused-down", Paused}} {
		n := recv(t, h.r.Transitions())
		if n.Notice != NoticeRemoved || n.Host != want.host || n.From != want.from || n.To != Paused ||
			!n.DownSince.Equal(t0) || !n.At.Equal(t0.Add(time.Minute)) {
			t.Errorf("notice %+v, want %s removed from %v with its outage start", n, want.host, want.from)
		}
	}
	h.sync(t)
	select {
	case n := <-h.r.Transitions():
		t.Errorf("unexpected %+v", n)
	default:
	}
}
