package probe

import "time"

// event is one thing the scheduler must do at a time: send the next probe of
// a host (seq == 0) or give up waiting for the reply to probe seq.
type event struct {
	at  time.Time
	s   *slot
	seq uint64
}

// eventHeap is a min-heap of events by time. It is written out rather than
// built on container/heap so that pushing an event does not allocate.
type eventHeap []event

func (h *eventHeap) push(e event) {
	*h = append(*h, e)
	q := *h
	i := len(q) - 1
	for i > 0 {
		parent := (i - 1) / 2
		if !q[i].at.Before(q[parent].at) {
			break
		}
		q[i], q[parent] = q[parent], q[i]
		i = parent
	}
}

// peek returns the earliest event; the heap must not be empty.
func (h eventHeap) peek() event { return h[0] }

func (h *eventHeap) pop() event {
	q := *h
	top := q[0]
	last := len(q) - 1
	q[0] = q[last]
	q[last] = event{} // drop the slot pointer for the GC
	q = q[:last]
	i := 0
	for {
		l, r, min := 2*i+1, 2*i+2, i
		if l < len(q) && q[l].at.Before(q[min].at) {
			min = l
		}
		if r < len(q) && q[r].at.Before(q[min].at) {
			min = r
		}
		if min == i {
			break
		}
		q[i], q[min] = q[min], q[i]
		i = min
	}
	*h = q
	return top
}
