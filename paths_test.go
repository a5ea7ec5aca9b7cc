package main

import (
	"context"
	"io"
	"log/slog"
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
