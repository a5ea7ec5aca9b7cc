package probe

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

func TestFirstSendsAreSpreadOverTheInterval(t *testing.T) {
	requireICMP(t)
	e, err := NewEngine(Options{ICMP: true})
	if err != nil {
		t.Fatal(err)
	}
	const n, interval = 50, 500 * time.Millisecond
	var ids []HostID
	for i := range n {
		id := HostID(i + 1)
		ids = append(ids, id)
		e.Add(Spec{ID: id, Target: Target{Host: fmt.Sprintf("127.0.1.%d", i+1)}, Interval: interval, Timeout: interval})
	}
	got := collect(t, e, ids, 1, 5*time.Second)
	var sends []time.Time
	for _, id := range ids {
		sends = append(sends, got[id][0].At)
	}
	slices.SortFunc(sends, func(a, b time.Time) int { return a.Compare(b) })
	span := sends[n-1].Sub(sends[0])
	// Evenly spread: the first sends cover most of the interval, and no two
	// are much closer than interval/n apart (a burst would put them all in
	// the first millisecond).
	if span < interval*8/10 {
		t.Errorf("first sends span %v of a %v interval: a burst", span, interval)
	}
	step := interval / n
	close := 0
	for i := 1; i < n; i++ {
		if sends[i].Sub(sends[i-1]) < step/4 {
			close++
		}
	}
	if close > n/10 {
		t.Errorf("%d of %d consecutive first sends closer than %v", close, n-1, step/4)
	}
}

func TestSequenceNumbersWrapSafely(t *testing.T) {
	requireICMP(t)
	e, err := NewEngine(Options{ICMP: true})
	if err != nil {
		t.Fatal(err)
	}
	e.Add(Spec{ID: 1, Target: Target{Host: "127.0.0.1"}, Interval: 10 * time.Millisecond, Timeout: 10 * time.Millisecond})
	// The echo header carries 16 bits of the 64-bit per-host sequence:
	// start just below the wrap and cross it.
	e.hosts[1].seq = 1<<16 - 3
	got := collect(t, e, []HostID{1}, 6, 5*time.Second)
	for i, r := range got[1] {
		if want := uint64(1<<16 - 2 + i); r.Seq != want || r.Err != nil {
			t.Errorf("result %d: seq %d err %v, want seq %d answered", i, r.Seq, r.Err, want)
		}
	}
}
