package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"downtime/internal/testnet"
	"downtime/monitor"
	"downtime/probe"
	"downtime/store"
)

// issue 14: a storm of 200 DOWN hosts behind one cut link sends at most the
// bounded number of traces, and no DOWN waits more than pathWait.
func TestStormTracesABoundedNumber(t *testing.T) {
	c := testnet.NewChain(t)
	eng, err := probe.NewEngine(probe.Options{ICMP: true, Mode: probe.ModeRaw})
	if err != nil {
		t.Fatal(err)
	}
	const n = 200
	for i := 1; i <= n; i++ {
		eng.Add(probe.Spec{ID: probe.HostID(i), Target: probe.Target{Host: c.Target4(i).String()}, Interval: time.Hour, Timeout: time.Second})
	}
	ctx, cancel := context.WithCancel(context.Background())
	results := make(chan probe.Result, 1024)
	done := make(chan error)
	go func() { done <- eng.Run(ctx, results) }()
	defer func() { cancel(); <-done }()
	go func() {
		for range results {
		}
	}()
	c.CutLast()

	pt := newPathTracer(eng, slog.New(slog.NewTextHandler(io.Discard, nil)))
	in := make(chan monitor.Transition, n)
	got := make(chan monitor.Transition, n)
	var before syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &before)
	start := time.Now()
	for i := 1; i <= n; i++ {
		in <- monitor.Transition{ID: probe.HostID(i), Host: c.Target4(i).String(), From: monitor.Up, To: monitor.Down, At: start, DownSince: start}
	}
	close(in)
	go func() {
		pt.relay(ctx, in, func(t monitor.Transition) { got <- t })
		close(got)
	}()
	i, traced := 0, 0
	for tr := range got {
		i++
		if tr.ID != probe.HostID(i) {
			t.Fatalf("transition %d is host %d: out of order", i, tr.ID)
		}
		if tr.Path != nil {
			traced++
			if tr.Path.Hop != 2 || tr.Path.Addr != c.Hops4[1].String() {
				t.Errorf("host %d: path %+v, want hop 2 %v", i, tr.Path, c.Hops4[1])
			}
		}
	}
	took := time.Since(start)
	var after syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &after)
	cpu := time.Duration(after.Utime.Nano()+after.Stime.Nano()-before.Utime.Nano()-before.Stime.Nano()) * time.Nanosecond
	st := eng.Stats()
	t.Logf("%d DOWNs in %v: %d traced, %d trace probes, CPU %v", n, took, pt.traced.Load(), st.Traced, cpu)
	if i != n {
		t.Fatalf("%d of %d transitions delivered", i, n)
	}
	if took > pathWait+time.Second {
		t.Errorf("the storm's DOWNs took %v, want at most %v", took, pathWait)
	}
	if traced == 0 || pt.traced.Load() > probe.MaxTraces {
		t.Errorf("%d traces (%d with a path), want 1..%d", pt.traced.Load(), traced, probe.MaxTraces)
	}
	if st.Traced > probe.MaxTraces*30 {
		t.Errorf("%d trace probes, want at most %d", st.Traced, probe.MaxTraces*30)
	}
}

// fakePaths traces instantly, counting the traces per address.
type fakePaths struct {
	mu     sync.Mutex
	traced map[netip.Addr]int
}

func (f *fakePaths) TraceTarget(id probe.HostID) (netip.Addr, bool) {
	return netip.AddrFrom4([4]byte{198, 18, 0, byte(id)}), true
}

func (f *fakePaths) TraceTargets() map[probe.HostID]netip.Addr { return nil }

func (f *fakePaths) Trace(_ context.Context, addr netip.Addr, _ int, _ probe.TraceOptions) (*probe.Path, error) {
	f.mu.Lock()
	f.traced[addr]++
	f.mu.Unlock()
	return &probe.Path{Dest: addr, Rounds: 1, Hops: []probe.Hop{{TTL: 1, Addr: netip.MustParseAddr("198.18.9.1"), Sent: 1, Received: 1}}}, nil
}

// issue 14 item 2: in a storm the parent is traced, not the hosts behind
// it, even when the parent's DOWN comes after theirs.
func TestStormTracesTheParentNotItsChildren(t *testing.T) {
	f := &fakePaths{traced: map[netip.Addr]int{}}
	pt := newPathTracer(f, slog.New(slog.NewTextHandler(io.Discard, nil)))
	in := make(chan monitor.Transition)
	var got []monitor.Transition
	done := make(chan struct{})
	go func() {
		pt.relay(context.Background(), in, func(t monitor.Transition) { got = append(got, t) })
		close(done)
	}()
	now := time.Now()
	for i := 2; i <= 21; i++ {
		in <- monitor.Transition{ID: probe.HostID(i), Host: fmt.Sprintf("h%d", i), Parent: "core", To: monitor.Down, At: now, DownSince: now}
	}
	in <- monitor.Transition{ID: 1, Host: "core", To: monitor.Down, At: now, DownSince: now}
	in <- monitor.Transition{ID: 30, Host: "alone", Parent: "elsewhere", To: monitor.Down, At: now, DownSince: now}
	close(in)
	<-done
	if len(got) != 22 {
		t.Fatalf("%d transitions delivered, want 22", len(got))
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.traced) != 2 || f.traced[netip.AddrFrom4([4]byte{198, 18, 0, 1})] != 1 || f.traced[netip.AddrFrom4([4]byte{198, 18, 0, 30})] != 1 {
		t.Errorf("traced %v, want only the parent (198.18.0.1) and the host whose parent is up (198.18.0.30)", f.traced)
	}
	for _, tr := range got {
		if (tr.Host == "core" || tr.Host == "alone") != (tr.Path != nil) {
			t.Errorf("%s: path %+v", tr.Host, tr.Path)
		}
	}
}

// A host on this machine's own link (its good path is one hop) is not
// traced: its DOWN is not held back for nothing.
func TestNoTraceForAHostOneHopAway(t *testing.T) {
	f := &fakePaths{traced: map[netip.Addr]int{}}
	pt := newPathTracer(f, slog.New(slog.NewTextHandler(io.Discard, nil)))
	pt.good[1], pt.good[2] = 1, 3
	in := make(chan monitor.Transition, 2)
	now := time.Now()
	in <- monitor.Transition{ID: 1, Host: "near", To: monitor.Down, At: now, DownSince: now}
	in <- monitor.Transition{ID: 2, Host: "far", To: monitor.Down, At: now, DownSince: now}
	close(in)
	var got []monitor.Transition
	pt.relay(context.Background(), in, func(t monitor.Transition) { got = append(got, t) })
	if len(got) != 2 || got[0].Path != nil || got[1].Path == nil || got[1].Path.UsedTo != 3 {
		t.Errorf("transitions %+v: want near untraced, far traced (used to reach hop 3)", got)
	}
	if f.traced[netip.AddrFrom4([4]byte{198, 18, 0, 1})] != 0 {
		t.Errorf("traced %v: the host one hop away was traced", f.traced)
	}
}

// fakeRoute is a network where each host answers at a fixed hop, behind
// routers 198.18.9.N; with cut set, every path ends at that hop instead.
type fakeRoute struct {
	mu      sync.Mutex
	targets map[probe.HostID]netip.Addr
	hops    map[netip.Addr]int
	cut     int
	traced  map[netip.Addr]int
}

func (f *fakeRoute) TraceTarget(id probe.HostID) (netip.Addr, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, ok := f.targets[id]
	return a, ok
}

func (f *fakeRoute) TraceTargets() map[probe.HostID]netip.Addr {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make(map[probe.HostID]netip.Addr, len(f.targets))
	for id, a := range f.targets {
		out[id] = a
	}
	return out
}

func (f *fakeRoute) Trace(_ context.Context, addr netip.Addr, _ int, _ probe.TraceOptions) (*probe.Path, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.traced[addr]++
	p := &probe.Path{Dest: addr, Rounds: 1}
	last := f.hops[addr]
	if f.cut > 0 {
		last = f.cut
	}
	for ttl := 1; ttl <= last; ttl++ {
		h := probe.Hop{TTL: ttl, Addr: netip.AddrFrom4([4]byte{198, 18, 9, byte(ttl)}), Sent: 1, Received: 1}
		if ttl == last && f.cut == 0 {
			h.Addr, p.DestTTL = addr, ttl
		}
		p.Hops = append(p.Hops, h)
	}
	return p, nil
}

func (f *fakeRoute) tracedOf(a netip.Addr) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.traced[a]
}

// countingSaves counts the good paths written to the store.
type countingSaves struct {
	*store.Store
	n atomic.Int64
}

func (c *countingSaves) SaveGoodPath(name string, p store.GoodPath) error {
	c.n.Add(1)
	return c.Store.SaveGoodPath(name, p)
}

// waitGoodPath polls st until it holds host at hop.
func waitGoodPath(t *testing.T, st *store.Store, host string, hop int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		saved, err := st.GoodPaths()
		if err != nil {
			t.Fatal(err)
		}
		if saved[host].Hop == hop {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("good path of %s not saved at hop %d within 10s", host, hop)
}

// A DOWN soon after a restart still says how far the path used to go, and
// a host one hop away is still not traced: good paths are kept in the state
// file, by name, for the address traced. A retrace that finds the same path
// writes nothing.
func TestGoodPathsKeptAcrossRestart(t *testing.T) {
	discard := slog.New(slog.NewTextHandler(io.Discard, nil))
	far, near := netip.MustParseAddr("198.18.0.1"), netip.MustParseAddr("198.18.0.2")
	moved, movedNow := netip.MustParseAddr("198.18.0.3"), netip.MustParseAddr("198.18.0.4")
	path := filepath.Join(t.TempDir(), "state.db")

	// The first run traces the good paths, again and again.
	st, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeRoute{
		targets: map[probe.HostID]netip.Addr{1: far, 2: near, 3: moved},
		hops:    map[netip.Addr]int{far: 3, near: 1, moved: 3},
		traced:  map[netip.Addr]int{},
	}
	saves := &countingSaves{Store: st}
	pt := newPathTracer(f, discard)
	pt.goodEvery, pt.goodGap = time.Millisecond, time.Millisecond
	pt.useStore(saves, map[string]store.GoodPath{}, func(context.Context) (map[probe.HostID]string, error) {
		return map[probe.HostID]string{1: "far", 2: "near", 3: "moved"}, nil
	})
	ctx, cancel := context.WithCancel(context.Background())
	kept := make(chan error)
	go func() { kept <- pt.keepGoodPaths(ctx) }()
	waitGoodPath(t, st, "far", 3)
	for deadline := time.Now().Add(10 * time.Second); f.tracedOf(far) < 5 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	if n := f.tracedOf(far); n < 5 {
		t.Fatalf("far traced %d times, want at least 5 passes", n)
	}
	if n := saves.n.Load(); n != 3 {
		t.Errorf("%d good paths saved over %d passes, want 3: one a host, none for an unchanged retrace", n, f.tracedOf(far))
	}
	f.mu.Lock()
	f.hops[far] = 4 // a router more on the way
	f.mu.Unlock()
	waitGoodPath(t, st, "far", 4)
	cancel()
	if err := <-kept; err != nil {
		t.Fatal(err)
	}
	if n := saves.n.Load(); n != 4 {
		t.Errorf("%d good paths saved, want 4: the changed hop once more", n)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	// The restart: other IDs, "moved" has another address, and the hosts
	// go DOWN before any good path is traced again.
	st, err = store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	saved, err := st.GoodPaths()
	if err != nil {
		t.Fatal(err)
	}
	f = &fakeRoute{targets: map[probe.HostID]netip.Addr{7: far, 8: near, 9: movedNow}, cut: 2, traced: map[netip.Addr]int{}}
	pt = newPathTracer(f, discard)
	pt.useStore(st, saved, func(context.Context) (map[probe.HostID]string, error) {
		t.Error("names looked up by the relay")
		return nil, nil
	})
	in := make(chan monitor.Transition, 3)
	now := time.Now()
	in <- monitor.Transition{ID: 7, Host: "far", To: monitor.Down, At: now, DownSince: now}
	in <- monitor.Transition{ID: 8, Host: "near", To: monitor.Down, At: now, DownSince: now}
	in <- monitor.Transition{ID: 9, Host: "moved", To: monitor.Down, At: now, DownSince: now}
	close(in)
	got := map[string]*monitor.PathEnd{}
	pt.relay(context.Background(), in, func(t monitor.Transition) { got[t.Host] = t.Path })
	if p := got["far"]; p == nil || p.UsedTo != 4 || !strings.Contains(p.String(), "path ends at hop 2: 198.18.9.2 (it used to reach hop 4)") {
		t.Errorf("far after a restart: %v, want the path ending at hop 2 (it used to reach hop 4)", p)
	}
	if p := got["near"]; p != nil || f.tracedOf(near) != 0 {
		t.Errorf("near after a restart: path %v, traced %d times; want it not traced (one hop away)", p, f.tracedOf(near))
	}
	if p := got["moved"]; p == nil || p.UsedTo != 0 {
		t.Errorf("moved after a restart: %v, want traced and no used-to: its saved path led to another address", p)
	}
}

// The keeper starts beside the runner, which may not have handed the hosts
// to the engine yet: finding none, it looks again a second later, not a
// minute later (the first DOWNs would lack how far their path went).
func TestGoodPathsFirstPassWaitsForTheHosts(t *testing.T) {
	far := netip.MustParseAddr("198.18.0.1")
	f := &fakeRoute{targets: map[probe.HostID]netip.Addr{}, hops: map[netip.Addr]int{far: 3}, traced: map[netip.Addr]int{}}
	pt := newPathTracer(f, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ctx, cancel := context.WithCancel(context.Background())
	kept := make(chan error)
	go func() { kept <- pt.keepGoodPaths(ctx) }()
	defer func() { cancel(); <-kept }()
	time.Sleep(100 * time.Millisecond) // the keeper found no host
	f.mu.Lock()
	f.targets[1] = far
	f.mu.Unlock()
	start := time.Now()
	for f.tracedOf(far) == 0 && time.Since(start) < 5*time.Second {
		time.Sleep(10 * time.Millisecond)
	}
	if f.tracedOf(far) == 0 {
		t.Fatalf("a host added %v after the keeper started was not traced within 5s", 100*time.Millisecond)
	}
}

// At a restart, a host an earlier run traced within the period, at the
// same address, is not traced again at once: the start is not a burst of
// traces. Its path counts from the first moment; a host with a path saved
// for another address, or long ago, is traced.
func TestGoodPathsRecentNotRetracedAtStart(t *testing.T) {
	recent, moved, old := netip.MustParseAddr("198.18.0.1"), netip.MustParseAddr("198.18.0.2"), netip.MustParseAddr("198.18.0.3")
	f := &fakeRoute{
		targets: map[probe.HostID]netip.Addr{1: recent, 2: moved, 3: old},
		hops:    map[netip.Addr]int{recent: 3, moved: 3, old: 3},
		traced:  map[netip.Addr]int{},
	}
	st, err := store.Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Now()
	saved := map[string]store.GoodPath{
		"recent": {Addr: recent, Hop: 3, Traced: now.Add(-10 * time.Minute)},
		"moved":  {Addr: netip.MustParseAddr("198.18.0.9"), Hop: 3, Traced: now.Add(-10 * time.Minute)},
		"old":    {Addr: old, Hop: 3, Traced: now.Add(-2 * time.Hour)},
	}
	pt := newPathTracer(f, slog.New(slog.NewTextHandler(io.Discard, nil)))
	pt.useStore(st, saved, func(context.Context) (map[probe.HostID]string, error) {
		return map[probe.HostID]string{1: "recent", 2: "moved", 3: "old"}, nil
	})
	pt.goodGap = time.Millisecond // goodEvery stays an hour: one pass in this test
	ctx, cancel := context.WithCancel(context.Background())
	kept := make(chan error)
	go func() { kept <- pt.keepGoodPaths(ctx) }()
	defer func() { cancel(); <-kept }()
	for start := time.Now(); (f.tracedOf(moved) == 0 || f.tracedOf(old) == 0) && time.Since(start) < 5*time.Second; {
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond) // the pass is over: the gap is 1 ms
	if f.tracedOf(moved) != 1 || f.tracedOf(old) != 1 || f.tracedOf(recent) != 0 {
		t.Errorf("traced recent %d, moved %d, old %d times; want 0, 1, 1", f.tracedOf(recent), f.tracedOf(moved), f.tracedOf(old))
	}
	pt.mu.Lock()
	defer pt.mu.Unlock()
	if pt.good[1] != 3 {
		t.Errorf("the recent host's good path is hop %d, want the saved 3", pt.good[1])
	}
}
