package probe

import (
	"context"
	"errors"
	"net/netip"
	"os"
	"slices"
	"testing"
	"time"
)

// newMatchEngine builds an engine with no sockets whose one host has a probe
// in flight, to drive match directly.
func newMatchEngine(t *testing.T) (*Engine, *slot, chan Result) {
	t.Helper()
	e, err := NewEngine(Options{})
	if err != nil {
		t.Fatal(err)
	}
	out := make(chan Result, 10)
	e.out, e.ctx = out, context.Background()
	s := &slot{spec: Spec{ID: 7, Target: Target{Host: "198.18.0.9"}, Interval: time.Second, Timeout: time.Second},
		addr: netip.MustParseAddr("198.18.0.9")}
	s.pending = []pending{{seq: 70000, token: 0xfeedface, sent: time.Now().Add(-3 * time.Millisecond), addr: s.addr}}
	e.hosts[7] = s
	return e, s, out
}

func TestMatchCountsOnlyTheExactReply(t *testing.T) {
	good := reply{from: netip.MustParseAddr("198.18.0.9"), seq16: 70000 & 0xffff, id: 7, seq: 70000, token: 0xfeedface}
	tests := []struct {
		name   string
		mutate func(r *reply)
		want   bool
	}{
		{"exact reply", func(r *reply) {}, true},
		{"from another address", func(r *reply) { r.from = netip.MustParseAddr("198.18.0.10") }, false},
		{"corrupted token", func(r *reply) { r.token ^= 1 }, false},
		{"another host's id", func(r *reply) { r.id = 8 }, false},
		{"sequence not in flight", func(r *reply) { r.seq, r.seq16 = 69999, 69999&0xffff }, false},
		{"header seq disagrees with payload", func(r *reply) { r.seq16++ }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, _, out := newMatchEngine(t)
			r := good
			r.at = time.Now()
			tt.mutate(&r)
			e.match(r)
			select {
			case res := <-out:
				if !tt.want {
					t.Fatalf("reply counted: %+v", res)
				}
				if res.Err != nil || res.ID != 7 || res.Seq != 70000 || res.RTT < 3*time.Millisecond {
					t.Fatalf("result = %+v, want success of host 7 seq 70000 with RTT >= 3ms", res)
				}
			default:
				if tt.want {
					t.Fatal("exact reply not counted")
				}
				if e.Stats().Ignored != 1 {
					t.Fatalf("ignored = %d, want 1", e.Stats().Ignored)
				}
			}
		})
	}
}

func TestMatchDuplicateAndLateRepliesDoNotCount(t *testing.T) {
	e, s, out := newMatchEngine(t)
	r := reply{from: s.addr, seq16: 70000 & 0xffff, id: 7, seq: 70000, token: 0xfeedface, at: time.Now()}
	e.match(r)
	e.match(r) // duplicate
	if got := len(out); got != 1 {
		t.Fatalf("%d results from a reply and its duplicate, want 1", got)
	}
	<-out
	// A probe that timed out is gone: its late reply is ignored.
	s.pending = []pending{{seq: 70001, token: 5, sent: time.Now(), addr: s.addr}}
	e.expire(s, 70001)
	if res := <-out; !errors.Is(res.Err, ErrTimeout) {
		t.Fatalf("expire gave %+v, want timeout", res)
	}
	e.match(reply{from: s.addr, seq16: 70001 & 0xffff, id: 7, seq: 70001, token: 5, at: time.Now()})
	if len(out) != 0 {
		t.Fatal("late reply counted")
	}
	if got := e.Stats().Ignored; got != 2 {
		t.Fatalf("ignored = %d, want 2", got)
	}
}

func TestEventHeapOrdersByTime(t *testing.T) {
	var h eventHeap
	base := time.Now()
	for _, ms := range []int{50, 10, 40, 0, 30, 20, 20} {
		h.push(event{at: base.Add(time.Duration(ms) * time.Millisecond)})
	}
	last := base.Add(-time.Hour)
	for len(h) > 0 {
		ev := h.pop()
		if ev.at.Before(last) {
			t.Fatalf("popped %v after %v", ev.at, last)
		}
		last = ev.at
	}
}

// TestSendQueueOrdersByTime: events of two intervals, mostly in order as a
// running engine pushes them and some out of order (a host added while
// running, one pushed back), come out earliest first, every one once.
func TestSendQueueOrdersByTime(t *testing.T) {
	var q sendQueue
	base := time.Now()
	at := func(ms int) time.Time { return base.Add(time.Duration(ms) * time.Millisecond) }
	pushes := []struct {
		ms       int
		interval time.Duration
	}{
		{0, time.Second}, {10, time.Second}, {20, time.Second},
		{5, 5 * time.Second}, {15, 5 * time.Second},
		{12, time.Second}, // out of order for its FIFO
		{30, time.Second}, {1, 5 * time.Second}, {25, time.Second}, {1000, time.Second},
	}
	for _, p := range pushes {
		q.push(event{at: at(p.ms)}, p.interval)
	}
	if q.len() != len(pushes) {
		t.Fatalf("len = %d, want %d", q.len(), len(pushes))
	}
	var got []int
	for q.len() > 0 {
		peeked := q.peek()
		ev := q.pop()
		if !ev.at.Equal(peeked.at) {
			t.Fatalf("pop %v, but peek said %v", ev.at, peeked.at)
		}
		got = append(got, int(ev.at.Sub(base)/time.Millisecond))
	}
	want := []int{0, 1, 5, 10, 12, 15, 20, 25, 30, 1000}
	if !slices.Equal(got, want) {
		t.Fatalf("popped %v, want %v", got, want)
	}
}

// requireICMP skips unless this process can open an ICMP socket.
func requireICMP(t *testing.T) {
	t.Helper()
	s, err := openICMP(false, ModeAuto)
	if err != nil {
		t.Skipf("no ICMP socket here (%v); run as root or allow ping sockets", err)
	}
	s.close()
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

func TestRemovedHostsProbesAreNotReported(t *testing.T) {
	e, s, out := newMatchEngine(t)
	e.Remove(7)
	// The host comes back under the same ID (a resume): the old slot's
	// timeout and late reply must not be reported for it.
	e.Add(Spec{ID: 7, Target: Target{Host: "198.18.0.9"}, Interval: time.Second, Timeout: time.Second})
	e.expire(s, 70000)
	e.match(reply{from: s.addr, seq16: 70000 & 0xffff, id: 7, seq: 70000, token: 0xfeedface, at: time.Now()})
	if len(out) != 0 {
		t.Fatalf("removed slot reported %+v", <-out)
	}
}
