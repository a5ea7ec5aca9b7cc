package probe

import "time"

// event is the time of a host's next send.
type event struct {
	at mono
	s  *slot
}

// sendQueue holds the next send of every host, earliest first. The sends of
// hosts with one interval come in time order, so a FIFO per interval keeps
// them sorted at O(1) a probe; an event that would break a FIFO's order (a
// host added while running, one that fell behind) goes to a small heap.
type sendQueue struct {
	fifos fifosBy[event] // by interval
	heap  eventHeap
	n     int
}

func (q *sendQueue) len() int { return q.n }

// push adds e, the next send of a host with the given interval.
func (q *sendQueue) push(e event, interval time.Duration) {
	q.n++
	f := q.fifos.get(interval)
	if f.n == 0 || e.at >= f.back().at {
		f.push(e)
		return
	}
	q.heap.push(e)
}

// peek returns the earliest event; the queue must not be empty.
func (q *sendQueue) peek() event {
	e, _ := q.earliest()
	return e
}

// pop removes and returns the earliest event; the queue must not be empty.
func (q *sendQueue) pop() event {
	_, f := q.earliest()
	q.n--
	if f == nil {
		return q.heap.pop()
	}
	return f.pop()
}

// earliest finds the earliest event and the FIFO holding it (nil: the heap).
func (q *sendQueue) earliest() (event, *fifo[event]) {
	var best event
	var from *fifo[event]
	found := false
	if len(q.heap) > 0 {
		best, found = q.heap.peek(), true
	}
	for _, f := range q.fifos.list {
		if f.n > 0 && (!found || f.front().at < best.at) {
			best, from, found = f.front(), f, true
		}
	}
	return best, from
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
		if q[i].at >= q[parent].at {
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
	if last == 0 && cap(q) > heapKeep {
		// The heap holds a bulk add (every host, just after Run starts)
		// until each host's first send; then it is empty for good.
		q = nil
	}
	i := 0
	for {
		l, r, min := 2*i+1, 2*i+2, i
		if l < len(q) && q[l].at < q[min].at {
			min = l
		}
		if r < len(q) && q[r].at < q[min].at {
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

// heapKeep is the capacity an empty heap keeps; a larger one is freed.
const heapKeep = 64

// deadline is when the engine stops waiting for the reply to probe seq of s.
type deadline struct {
	at  mono
	s   *slot
	seq uint64
}

// live reports whether the probe is still waiting for its reply. The engine
// does not delete the deadline of a probe that was answered: it skips it
// when it comes up.
func (d deadline) live() bool {
	return !d.s.removed && d.s.inFlight(d.seq)
}

// deadlines holds the deadlines of the probes in flight, one FIFO per
// timeout. Probes are sent in time order, so probes with the same timeout
// expire in the order they were sent (as sendQueue).
type deadlines struct {
	queues fifosBy[deadline] // by timeout
}

// push adds the deadline of a probe with the given timeout. Deadlines of one
// timeout must be pushed in time order.
func (ds *deadlines) push(d deadline, timeout time.Duration) {
	ds.queues.get(timeout).push(d)
}

// popDue removes every deadline at or before now and appends those of
// probes still unanswered to out.
func (ds *deadlines) popDue(now mono, out []deadline) []deadline {
	for _, q := range ds.queues.list {
		for q.n > 0 && q.front().at <= now {
			if d := q.pop(); d.live() {
				out = append(out, d)
			}
		}
	}
	return out
}

// next returns the earliest deadline of a probe still unanswered, dropping
// the answered ones in front of it.
func (ds *deadlines) next() (mono, bool) {
	var at mono
	ok := false
	for _, q := range ds.queues.list {
		for q.n > 0 && !q.front().live() {
			q.pop()
		}
		if q.n > 0 && (!ok || q.front().at < at) {
			at, ok = q.front().at, true
		}
	}
	return at, ok
}

// fifosBy is one FIFO per duration (an interval, a timeout); a config has a
// handful of them.
type fifosBy[T any] struct {
	list  []*fifo[T]
	byKey map[time.Duration]*fifo[T]
}

// get returns the FIFO for key, made on first use.
func (fs *fifosBy[T]) get(key time.Duration) *fifo[T] {
	f := fs.byKey[key]
	if f == nil {
		if fs.byKey == nil {
			fs.byKey = make(map[time.Duration]*fifo[T])
		}
		f = &fifo[T]{}
		fs.byKey[key] = f
		fs.list = append(fs.list, f)
	}
	return f
}

// fifo is a first-in first-out ring that grows as needed.
type fifo[T any] struct {
	buf     []T
	head, n int
}

func (q *fifo[T]) push(v T) {
	if q.n == len(q.buf) {
		grown := make([]T, grow(len(q.buf)))
		for i := range q.n {
			grown[i] = q.buf[(q.head+i)%len(q.buf)]
		}
		q.buf, q.head = grown, 0
	}
	q.buf[(q.head+q.n)%len(q.buf)] = v
	q.n++
}

// grow is a FIFO's next capacity after n: double while small, then a
// quarter more, so that a large FIFO (one entry per host) is not left up to
// half empty.
func grow(n int) int {
	if n < 1024 {
		return max(16, 2*n)
	}
	return n + n/4
}

// front returns the oldest element; the queue must not be empty.
func (q *fifo[T]) front() T { return q.buf[q.head] }

// back returns the newest element; the queue must not be empty.
func (q *fifo[T]) back() T { return q.buf[(q.head+q.n-1)%len(q.buf)] }

func (q *fifo[T]) pop() T {
	v := q.buf[q.head]
	var zero T
	q.buf[q.head] = zero // drop pointers for the GC
	q.head = (q.head + 1) % len(q.buf)
	q.n--
	return v
}
