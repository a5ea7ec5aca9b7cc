package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"sync"
	"syscall"
	"testing"
	"time"

	"downtime/internal/testnet"
	"downtime/monitor"
	"downtime/probe"
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
