package probe

import (
	"slices"
	"testing"
	"time"
)

func TestEventHeapOrdersByTime(t *testing.T) {
	var h eventHeap
	for _, ms := range []int{50, 10, 40, 0, 30, 20, 20} {
		h.push(event{at: mono(time.Duration(ms) * time.Millisecond)})
	}
	last := mono(-time.Hour)
	for len(h) > 0 {
		ev := h.pop()
		if ev.at < last {
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
	at := func(ms int) mono { return mono(time.Duration(ms) * time.Millisecond) }
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
		if ev.at != peeked.at {
			t.Fatalf("pop %v, but peek said %v", ev.at, peeked.at)
		}
		got = append(got, int(time.Duration(ev.at)/time.Millisecond))
	}
	want := []int{0, 1, 5, 10, 12, 15, 20, 25, 30, 1000}
	if !slices.Equal(got, want) {
		t.Fatalf("popped %v, want %v", got, want)
	}
}

// TestEventHeapFreesWhenEmpty: a heap that held a bulk add lets its array go
// once it is empty, and still works after.
func TestEventHeapFreesWhenEmpty(t *testing.T) {
	var h eventHeap
	for i := range 1000 {
		h.push(event{at: mono(1000 - i)})
	}
	for len(h) > 0 {
		h.pop()
	}
	if cap(h) != 0 {
		t.Fatalf("an empty heap keeps capacity %d", cap(h))
	}
	h.push(event{at: 7})
	if len(h) != 1 || h.pop().at != 7 {
		t.Fatal("the heap does not work after it was freed")
	}
}

// TestFIFOKeepsOrderAsItGrows: a FIFO that wraps around and grows, small and
// large (past the point where it grows by a quarter), keeps its order, and
// a large one is not grown to double.
func TestFIFOKeepsOrderAsItGrows(t *testing.T) {
	var q fifo[int]
	next, want := 0, 0
	for round := range 200 {
		for range 100 + round*round/4 {
			q.push(next)
			next++
		}
		for range 50 {
			if got := q.pop(); got != want {
				t.Fatalf("popped %d, want %d", got, want)
			}
			want++
		}
	}
	for q.n > 0 {
		if got := q.pop(); got != want {
			t.Fatalf("popped %d, want %d", got, want)
		}
		want++
	}
	if want != next {
		t.Fatalf("popped %d of %d", want, next)
	}
	var big fifo[int]
	for i := range 20000 {
		big.push(i)
	}
	if len(big.buf) >= 2*16384 {
		t.Fatalf("20000 entries took a ring of %d", len(big.buf))
	}
}
