package monitor

import (
	"slices"
	"testing"
	"time"

	"downtime/config"
)

const ms = time.Millisecond

// lost stands for a lost probe in the RTT lists below.
const lost time.Duration = -1

func TestStatistics(t *testing.T) {
	tests := []struct {
		name                      string
		rtts                      []time.Duration
		last, lo, avg, hi, jitter time.Duration
		loss                      float64
		sent, received            int
	}{
		{name: "no samples"},
		{name: "one sample", rtts: []time.Duration{7 * ms},
			last: 7 * ms, lo: 7 * ms, avg: 7 * ms, hi: 7 * ms, sent: 1, received: 1},
		{name: "mixed", rtts: []time.Duration{10 * ms, 20 * ms, lost, 40 * ms},
			// avg 70/3 ms; jitter (|20-10| + |40-20|) / 2, the loss skipped
			last: 40 * ms, lo: 10 * ms, avg: 23333 * time.Microsecond, hi: 40 * ms, jitter: 15 * ms,
			loss: 0.25, sent: 4, received: 3},
		{name: "last lost", rtts: []time.Duration{10 * ms, lost},
			last: 0, lo: 10 * ms, avg: 10 * ms, hi: 10 * ms, loss: 0.5, sent: 2, received: 1},
		{name: "all lost", rtts: []time.Duration{lost, lost, lost}, loss: 1, sent: 3},
		{name: "steady", rtts: []time.Duration{5 * ms, 5 * ms, 5 * ms},
			last: 5 * ms, lo: 5 * ms, avg: 5 * ms, hi: 5 * ms, sent: 3, received: 3},
		{name: "sub-microsecond counts as 1µs", rtts: []time.Duration{100 * time.Nanosecond},
			last: time.Microsecond, lo: time.Microsecond, avg: time.Microsecond, hi: time.Microsecond, sent: 1, received: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := New(newClock(), []config.Host{hostCfg("h", 1000, 1)}, nil)
			for _, rtt := range tc.rtts {
				if rtt == lost {
					m.Handle(failResult(1))
				} else {
					m.Handle(okResult(1, rtt))
				}
			}
			v := m.Snapshot().Hosts[0]
			got := []time.Duration{v.Last, v.Min, v.Avg, v.Max, v.Jitter}
			want := []time.Duration{tc.last, tc.lo, tc.avg, tc.hi, tc.jitter}
			if !slices.Equal(got, want) {
				t.Errorf("last/min/avg/max/jitter = %v, want %v", got, want)
			}
			if v.Loss != tc.loss || v.Sent != tc.sent || v.Received != tc.received {
				t.Errorf("loss %v sent %d received %d, want %v %d %d",
					v.Loss, v.Sent, v.Received, tc.loss, tc.sent, tc.received)
			}
		})
	}
}

func TestWindowEviction(t *testing.T) {
	m := New(newClock(), []config.Host{hostCfg("h", 1000, 1)}, nil)
	m.Handle(failResult(1)) // the oldest sample, evicted by the 121st
	for i := 1; i <= SampleWindow; i++ {
		m.Handle(okResult(1, time.Duration(i)*ms))
	}
	v := m.Snapshot().Hosts[0]
	if len(v.Samples) != SampleWindow || v.Sent != SampleWindow {
		t.Fatalf("%d samples, sent %d; want %d", len(v.Samples), v.Sent, SampleWindow)
	}
	if v.Loss != 0 || v.Received != SampleWindow {
		t.Errorf("loss %v received %d: the evicted loss still counts", v.Loss, v.Received)
	}
	if v.Samples[0] != SampleOf(1*ms) || v.Samples[SampleWindow-1] != SampleOf(SampleWindow*ms) {
		t.Errorf("samples run %v … %v, want 1ms … 120ms oldest first", v.Samples[0].RTT(), v.Samples[SampleWindow-1].RTT())
	}
	if v.Min != 1*ms || v.Max != SampleWindow*ms || v.Jitter != ms {
		t.Errorf("min %v max %v jitter %v", v.Min, v.Max, v.Jitter)
	}

	m.Handle(okResult(1, 500*ms)) // evicts 1ms
	v = m.Snapshot().Hosts[0]
	if v.Min != 2*ms || v.Samples[0] != SampleOf(2*ms) || v.Last != 500*ms {
		t.Errorf("after one more: min %v first %v last %v", v.Min, v.Samples[0].RTT(), v.Last)
	}
}

// TestRingOrdered checks the wrap-around copy against a plain list.
func TestRingOrdered(t *testing.T) {
	for _, n := range []int{0, 1, 2, SampleWindow - 1, SampleWindow, SampleWindow + 1, 2*SampleWindow + 7} {
		var r ring
		var all []Sample
		for i := range n {
			r.push(Sample(i + 1))
			all = append(all, Sample(i+1))
		}
		want := all[max(0, len(all)-SampleWindow):]
		if got := r.ordered(); !slices.Equal(got, want) {
			t.Errorf("n=%d: got %v, want %v", n, got, want)
		}
	}
}

// TestRingKeepsEverySampleExactly: 16-bit slots, with the long RTTs kept
// beside them, read back exactly, Lost included (issue 13 item 3).
func TestRingKeepsEverySampleExactly(t *testing.T) {
	values := []Sample{1, 999, 65533, 65534, 65535, 65536, 300_000, Lost - 1, Lost, 7}
	var r ring
	var want []Sample
	for i := range 3 * SampleWindow {
		s := values[i%len(values)]
		r.push(s)
		want = append(want, s)
	}
	want = want[len(want)-SampleWindow:]
	if got := r.ordered(); !slices.Equal(got, want) {
		t.Fatalf("ring reads back\n%v\nwant\n%v", got, want)
	}

	var small ring
	for i := range SampleWindow {
		small.push(Sample(i + 1))
	}
	if small.big != nil {
		t.Error("a host with short RTTs only holds the long-RTT array")
	}
}
