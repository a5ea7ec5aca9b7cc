package monitor

import (
	"errors"
	"testing"
	"time"

	"downtime/config"
	"downtime/probe"
)

func TestRTTBucket(t *testing.T) {
	tests := []struct {
		rtt  time.Duration
		want int
	}{
		{0, 0},
		{100 * time.Microsecond, 0},
		{101 * time.Microsecond, 1},
		{time.Millisecond, 3},
		{7 * time.Millisecond, 6},
		{time.Second, len(RTTBuckets) - 1},
		{2 * time.Second, len(RTTBuckets)},
	}
	for _, tc := range tests {
		if got := rttBucket(tc.rtt); got != tc.want {
			t.Errorf("rttBucket(%v) = %d, want %d", tc.rtt, got, tc.want)
		}
	}
	for i := 1; i < len(RTTBuckets); i++ {
		if RTTBuckets[i] <= RTTBuckets[i-1] {
			t.Fatalf("RTTBuckets not increasing at %d", i)
		}
	}
}

// TestCountersCountEveryProbe checks that the counters keep what the
// statistics window forgets, and count outages but not restored ones.
func TestCountersCountEveryProbe(t *testing.T) {
	clock := newClock()
	downAt := t0.Add(-time.Hour)
	m := New(clock, []config.Host{hostCfg("a", 2, 1), hostCfg("b", 2, 1)},
		map[string]Saved{"b": {State: Down, Since: downAt, DownSince: downAt}})
	m.KeepCounters()
	a, _ := m.Lookup("a")
	b, _ := m.Lookup("b")
	refused := probe.Result{ID: a, Err: errors.New("connect: connection refused")}

	const rounds = 100 // 3 probes a round: more than SampleWindow
	for range rounds {
		clock.Advance(time.Second)
		m.Handle(okResult(a, 3*time.Millisecond))
		m.Handle(failResult(a))
		m.Handle(refused) // with the timeout before it: DOWN, then UP at the next reply
	}
	m.Handle(okResult(b, 2*time.Second))

	va := viewOf(t, m.Snapshot(), a)
	c := va.Counters
	if c.OK != rounds || c.Timeout != rounds || c.Error != rounds || c.Probes() != 3*rounds {
		t.Errorf("a: ok=%d timeout=%d error=%d probes=%d, want %d each", c.OK, c.Timeout, c.Error, c.Probes(), rounds)
	}
	if va.Sent != SampleWindow {
		t.Errorf("a: the statistics window holds %d, want %d", va.Sent, SampleWindow)
	}
	if c.Outages != rounds {
		t.Errorf("a: %d outages, want %d", c.Outages, rounds)
	}
	if got := c.RTTCounts[rttBucket(3*time.Millisecond)]; got != rounds {
		t.Errorf("a: %d RTTs in the 5ms bucket, want %d (buckets %v)", got, rounds, c.RTTCounts)
	}
	if c.RTTSum != rounds*3*time.Millisecond {
		t.Errorf("a: RTT sum %v, want %v", c.RTTSum, rounds*3*time.Millisecond)
	}

	cb := viewOf(t, m.Snapshot(), b).Counters
	if cb.Outages != 0 {
		t.Errorf("b: a restored outage counted as %d new ones", cb.Outages)
	}
	if cb.OK != 1 || cb.RTTCounts[len(RTTBuckets)] != 1 || cb.RTTSum != 2*time.Second {
		t.Errorf("b: a 2s reply: ok=%d overflow=%d sum=%v", cb.OK, cb.RTTCounts[len(RTTBuckets)], cb.RTTSum)
	}

	// A paused host counts nothing: its results are probes in flight.
	if err := m.Pause(a); err != nil {
		t.Fatal(err)
	}
	m.Handle(okResult(a, time.Millisecond))
	if got := viewOf(t, m.Snapshot(), a).Counters; got != c {
		t.Errorf("a paused host's counters moved: %+v", got)
	}
}

// TestCountersOnlyWhenKept checks that hosts count only once KeepCounters
// was called (metrics are served), and that hosts added later count too.
func TestCountersOnlyWhenKept(t *testing.T) {
	clock := newClock()
	m := New(clock, []config.Host{hostCfg("a", 2, 1)}, nil)
	a, _ := m.Lookup("a")
	ok := probe.Result{ID: a, RTT: time.Millisecond}
	m.Handle(ok)
	if c := viewOf(t, m.Snapshot(), a).Counters; c.Probes() != 0 {
		t.Fatalf("counted %d probes before KeepCounters", c.Probes())
	}
	m.KeepCounters()
	c := hostCfg("c", 2, 1)
	c.Origin = config.OriginRuntime
	cid, err := m.Add(c)
	if err != nil {
		t.Fatal(err)
	}
	m.Handle(ok)
	m.Handle(probe.Result{ID: cid, RTT: time.Millisecond})
	for _, id := range []probe.HostID{a, cid} {
		if c := viewOf(t, m.Snapshot(), id).Counters; c.OK != 1 {
			t.Errorf("host %d: %d probes answered after KeepCounters, want 1", id, c.OK)
		}
	}
}
