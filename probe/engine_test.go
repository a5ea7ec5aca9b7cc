package probe

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
	"unsafe"
)

// requireICMP skips unless this process can open an ICMP socket.
func requireICMP(t *testing.T) {
	t.Helper()
	s, err := openICMP(false, ModeAuto)
	if err != nil {
		t.Skipf("no ICMP socket here (%v); run as root or allow ping sockets", err)
	}
	s.close()
}

// runEngine runs e until the test ends; its results come on the channel
// returned, which holds n.
func runEngine(t *testing.T, e *Engine, n int) <-chan Result {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out := make(chan Result, n)
	done := make(chan error, 1)
	go func() { done <- e.Run(ctx, out) }()
	t.Cleanup(func() { cancel(); <-done })
	return out
}

// collect runs e until each host has n results, or fails at the deadline.
func collect(t *testing.T, e *Engine, ids []HostID, n int, deadline time.Duration) map[HostID][]Result {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out := make(chan Result, 1024)
	done := make(chan error)
	go func() { done <- e.Run(ctx, out) }()
	defer func() { cancel(); <-done }()
	got := map[HostID][]Result{}
	timeout := time.After(deadline)
	for {
		complete := true
		for _, id := range ids {
			if len(got[id]) < n {
				complete = false
			}
		}
		if complete {
			return got
		}
		select {
		case r := <-out:
			got[r.ID] = append(got[r.ID], r)
		case <-timeout:
			t.Fatalf("after %v: results %v, want %d per host", deadline, counts(got), n)
		}
	}
}

func counts(m map[HostID][]Result) map[HostID]int {
	c := map[HostID]int{}
	for id, rs := range m {
		c[id] = len(rs)
	}
	return c
}

func TestLoopbackHostsAnswerFast(t *testing.T) {
	requireICMP(t)
	e, err := NewEngine(Options{ICMP: true})
	if err != nil {
		t.Fatal(err)
	}
	targets := []string{"127.0.0.1", "127.0.0.2", "127.1.2.3", "::1"}
	if _, err := os.Stat("/proc/net/if_inet6"); err != nil {
		targets = targets[:3]
	}
	var ids []HostID
	for i, a := range targets {
		id := HostID(i + 1)
		ids = append(ids, id)
		e.Add(Spec{ID: id, Target: Target{Host: a}, Interval: 50 * time.Millisecond, Timeout: 50 * time.Millisecond})
	}
	got := collect(t, e, ids, 10, 5*time.Second)
	for i, id := range ids {
		var rtts []time.Duration
		for _, r := range got[id] {
			if r.Err != nil {
				t.Errorf("%s seq %d: %v", targets[i], r.Seq, r.Err)
				continue
			}
			if r.RTT <= 0 {
				t.Errorf("%s seq %d: RTT %v", targets[i], r.Seq, r.RTT)
			}
			if r.Addr.String() != targets[i] {
				t.Errorf("%s: reply address %v", targets[i], r.Addr)
			}
			rtts = append(rtts, r.RTT)
		}
		// The median, not every sample: the race detector and a busy CI
		// machine can delay a single send by a millisecond.
		slices.Sort(rtts)
		if len(rtts) > 0 && rtts[len(rtts)/2] >= time.Millisecond {
			t.Errorf("%s: median RTT %v, want under 1ms (all: %v)", targets[i], rtts[len(rtts)/2], rtts)
		}
	}
	if s := e.Stats(); s.Received < uint64(10*len(ids)) {
		t.Errorf("stats %+v", s)
	}
}

// TestSocketModeWords: the start-up line and the metrics show the mode as a
// word, in text and JSON logs alike; these words are what users grep for.
func TestSocketModeWords(t *testing.T) {
	for _, tt := range []struct {
		mode SocketMode
		want string
	}{
		{SocketNone, "none"},
		{SocketUnprivileged, "unprivileged"},
		{SocketRaw, "raw"},
		{SocketDemo, "demo"},
	} {
		if got := tt.mode.String(); got != tt.want {
			t.Errorf("SocketMode(%d).String() = %q, want %q", tt.mode, got, tt.want)
		}
		var text, js bytes.Buffer
		slog.New(slog.NewTextHandler(&text, nil)).Info("started", "icmp", tt.mode)
		slog.New(slog.NewJSONHandler(&js, nil)).Info("started", "icmp", tt.mode)
		if !strings.Contains(text.String(), " icmp="+tt.want+"\n") {
			t.Errorf("text log %q, want icmp=%s", text.String(), tt.want)
		}
		if !strings.Contains(js.String(), `"icmp":"`+tt.want+`"`) {
			t.Errorf("JSON log %q, want \"icmp\":%q", js.String(), tt.want)
		}
	}
	e, err := NewEngine(Options{Prober: NewDemo(1, nil)})
	if err != nil {
		t.Fatal(err)
	}
	if e.Mode() != SocketDemo {
		t.Errorf("demo engine's Mode() = %v, want demo", e.Mode())
	}
	if e, err = NewEngine(Options{}); err != nil {
		t.Fatal(err)
	}
	if e.Mode() != SocketNone {
		t.Errorf("engine without ICMP: Mode() = %v, want none", e.Mode())
	}
}

// TestHostsBySliceAndMap: hosts are found, listed, replaced and removed
// alike whether their ID is in the slice by ID or past it, in the map.
func TestHostsBySliceAndMap(t *testing.T) {
	e, err := NewEngine(Options{})
	if err != nil {
		t.Fatal(err)
	}
	ids := []HostID{1, 3, denseIDs - 1, denseIDs, 1<<32 - 1}
	for i, id := range ids {
		e.Add(Spec{ID: id, Target: Target{Host: fmt.Sprintf("127.0.0.%d", i+1)}, Interval: time.Second, Timeout: time.Second})
	}
	if e.nhosts != len(ids) {
		t.Fatalf("nhosts = %d, want %d", e.nhosts, len(ids))
	}
	targets := e.TraceTargets()
	for i, id := range ids {
		if a, ok := targets[id]; !ok || a.String() != fmt.Sprintf("127.0.0.%d", i+1) {
			t.Fatalf("TraceTargets()[%d] = %v, %v", id, a, ok)
		}
	}
	if len(targets) != len(ids) {
		t.Fatalf("TraceTargets lists %d hosts, want %d", len(targets), len(ids))
	}
	for _, id := range ids {
		old := e.lookupLocked(id)
		e.Add(Spec{ID: id, Target: Target{Host: "127.0.0.9"}, Interval: time.Second, Timeout: time.Second})
		if s := e.lookupLocked(id); s == old || s.addr.String() != "127.0.0.9" || !old.removed {
			t.Fatalf("host %d not replaced", id)
		}
		e.Remove(id)
		if s := e.lookupLocked(id); s != nil {
			t.Fatalf("host %d still there after Remove", id)
		}
	}
	if e.nhosts != 0 || len(e.hosts) != 0 {
		t.Fatalf("after removing all: nhosts = %d, %d in the map", e.nhosts, len(e.hosts))
	}
	e.Remove(2) // never added: no count goes negative
	if e.nhosts != 0 {
		t.Fatalf("nhosts = %d after removing a host never added", e.nhosts)
	}
}

// TestSlotFitsTwoCacheLines: every host has a slot, so its size is the
// engine's memory per host (see the README); a field that pushes it past
// 128 B costs a size class, 16 B a host at the least.
func TestSlotFitsTwoCacheLines(t *testing.T) {
	if n := unsafe.Sizeof(slot{}); n > 128 {
		t.Fatalf("a slot takes %d B, more than 128", n)
	}
}
