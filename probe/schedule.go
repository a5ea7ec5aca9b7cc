package probe

import "time"

// event is the time of a host's next send.
type event struct {
	at time.Time
	s  *slot
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

// deadline is when the engine stops waiting for the reply to probe seq of s.
type deadline struct {
	at  time.Time
	s   *slot
	seq uint64
}

// live reports whether the probe is still waiting for its reply. The engine
// does not delete the deadline of a probe that was answered: it skips it
// when it comes up.
func (d deadline) live() bool {
	if d.s.removed {
		return false
	}
	for _, p := range d.s.pending {
		if p.seq == d.seq {
			return true
		}
	}
	return false
}

// deadlines holds the deadlines of the probes in flight, one queue per
// timeout. Probes are sent in time order, so probes with the same timeout
// expire in the order they were sent and a queue is a plain FIFO: O(1) a
// probe where a heap would be O(log n) (a config has a handful of timeouts,
// and a heap holding them would be as large as the hosts' one again).
type deadlines struct {
	queues  []*deadlineQueue
	byTimer map[time.Duration]*deadlineQueue
}

// push adds the deadline of a probe with the given timeout. Deadlines of one
// timeout must be pushed in time order.
func (ds *deadlines) push(d deadline, timeout time.Duration) {
	q := ds.byTimer[timeout]
	if q == nil {
		if ds.byTimer == nil {
			ds.byTimer = make(map[time.Duration]*deadlineQueue)
		}
		q = &deadlineQueue{}
		ds.byTimer[timeout] = q
		ds.queues = append(ds.queues, q)
	}
	q.push(d)
}

// popDue removes every deadline at or before now and appends those of
// probes still unanswered to out.
func (ds *deadlines) popDue(now time.Time, out []deadline) []deadline {
	for _, q := range ds.queues {
		for q.n > 0 && !q.front().at.After(now) {
			if d := q.pop(); d.live() {
				out = append(out, d)
			}
		}
	}
	return out
}

// next returns the earliest deadline of a probe still unanswered, dropping
// the answered ones in front of it.
func (ds *deadlines) next() (time.Time, bool) {
	var at time.Time
	ok := false
	for _, q := range ds.queues {
		for q.n > 0 && !q.front().live() {
			q.pop()
		}
		if q.n > 0 && (!ok || q.front().at.Before(at)) {
			at, ok = q.front().at, true
		}
	}
	return at, ok
}

// deadlineQueue is a FIFO ring of deadlines.
type deadlineQueue struct {
	buf     []deadline
	head, n int
}

func (q *deadlineQueue) push(d deadline) {
	if q.n == len(q.buf) {
		grown := make([]deadline, max(16, 2*len(q.buf)))
		for i := range q.n {
			grown[i] = q.buf[(q.head+i)%len(q.buf)]
		}
		q.buf, q.head = grown, 0
	}
	q.buf[(q.head+q.n)%len(q.buf)] = d
	q.n++
}

// front returns the oldest deadline; the queue must not be empty.
func (q *deadlineQueue) front() deadline { return q.buf[q.head] }

func (q *deadlineQueue) pop() deadline {
	d := q.buf[q.head]
	q.buf[q.head] = deadline{} // drop the slot pointer for the GC
	q.head = (q.head + 1) % len(q.buf)
	q.n--
	return d
}
