package probe

import (
	"context"
	"slices"
	"time"
)

// expireAll turns the probes whose deadline passed and whose reply has not
// come into timeouts, appended to buf for the caller to send (as matchAll).
func (e *Engine) expireAll(ds []deadline, buf []Result) []Result {
	if len(ds) == 0 {
		return buf
	}
	now := time.Now()
	e.mu.Lock()
	for _, d := range ds {
		if d.s.removed {
			continue
		}
		p, ok := d.s.takeLocked(d.seq, 0, false)
		if !ok {
			continue
		}
		e.noteOutcomeLocked(d.s, false)
		buf = append(buf, Result{ID: d.s.spec.ID, Seq: d.seq, At: e.wallAt(p.sent, now), Addr: d.s.sentTo(p.seq), Err: ErrTimeout})
	}
	e.mu.Unlock()
	return buf
}

// take removes probe seq from s's outstanding probes and reports whether it
// was still there. A removed host's probes are never reported: a host that
// is paused and resumed gets a new slot under the same ID, and the old
// slot's timeouts must not count against it.
func (e *Engine) take(s *slot, seq uint64) (pending, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if s.removed {
		return pending{}, false
	}
	return s.takeLocked(seq, 0, false)
}

// takeLocked removes probe seq from s's outstanding probes (only if it
// carries token, with checkToken) and returns it.
func (s *slot) takeLocked(seq, token uint64, checkToken bool) (pending, bool) {
	if p := s.first; p.seq == seq && seq != 0 {
		if checkToken && p.token != token {
			return pending{}, false
		}
		s.first = pending{}
		if x := s.ext; x != nil && len(x.more) > 0 {
			s.first = x.more[0]
			x.more = slices.Delete(x.more, 0, 1)
		}
		return p, true
	}
	if s.ext == nil {
		return pending{}, false
	}
	for i, p := range s.ext.more {
		if p.seq != seq {
			continue
		}
		if checkToken && p.token != token {
			return pending{}, false
		}
		s.ext.more = slices.Delete(s.ext.more, i, i+1)
		return p, true
	}
	return pending{}, false
}

// readerRest is the longest the reader rests after a read while the
// scheduler sleeps: a reply that arrives meanwhile is matched at most that
// late (its RTT is the kernel's timestamp, so not longer for it), and a
// burst's replies cost one or two wake-ups, not one each.
const readerRest = 100 * time.Millisecond

// readLoop matches the replies that arrive while the scheduler sleeps: it
// waits for a packet, reads every packet waiting, then rests until the
// scheduler's next wake-up (which reads the sockets) or readerRest at
// most, so that a reply wakes the process only when no read is coming soon.
func (e *Engine) readLoop(ctx context.Context, socks []*icmpSocket, w *replyWaiter) {
	rd := new(replyReader)
	stamped := true // every socket has kernel timestamps: reading late is harmless
	for _, s := range socks {
		stamped = stamped && s.kernelTS
	}
	var results []Result
	for ctx.Err() == nil {
		n := 0
		for _, s := range socks {
			n += s.drain(rd)
		}
		results = e.collectRead(rd, results[:0])
		for _, r := range results {
			e.emit(r)
		}
		if n == 0 {
			if err := w.wait(); err != nil {
				return // closed: the engine is stopping
			}
			continue
		}
		if !stamped || e.tracing.waiting.Load() > 0 {
			// Without kernel timestamps, a reply read late has a longer
			// RTT; a trace waits for its answers to be read.
			continue
		}
		e.rest.set(e.restFor)
		if e.rest.sleep() != nil {
			return // closed: ctx is done
		}
	}
}

// collectRead matches what rd has read, appends the results to buf and
// empties rd.
func (e *Engine) collectRead(rd *replyReader, buf []Result) []Result {
	if rd.ignored > 0 {
		e.ignored.Add(rd.ignored)
		rd.ignored = 0
	}
	if rd.foreign > 0 {
		e.foreign.Add(rd.foreign)
		rd.foreign = 0
	}
	if len(rd.replies) > 0 {
		buf = e.matchAll(rd.replies, buf)
		rd.replies = rd.replies[:0]
	}
	return buf
}

// matchAll turns decoded replies into Results for those that answer a probe
// we are waiting for: the right host, from the address we sent to, with the
// sequence number and token we sent. An ICMP error that quotes such a probe
// answers it too, with the error as the Result's Err. Replies to trace
// probes go to their trace (trace.go). It appends the results to buf for the
// caller to send: a batch is matched under one lock and its results sent
// together, so the monitor wakes once for a batch rather than once a reply.
func (e *Engine) matchAll(rs []reply, buf []Result) []Result {
	var received, errs, ignored, foreign uint64
	traced := false
	e.mu.Lock()
	for _, r := range rs {
		if r.id&traceBit != 0 {
			traced = true
			continue
		}
		s := e.lookupLocked(r.id)
		to := r.from
		if r.err != nil {
			to = r.dst // the error comes from a router; the request went to s
		}
		var p pending
		ok := s != nil && s.addr == to && uint16(r.seq) == r.seq16
		if ok {
			p, ok = s.takeLocked(r.seq, r.token, true)
		}
		switch {
		case !ok && r.err != nil:
			foreign++
		case !ok:
			ignored++
		case r.err != nil:
			errs++
			e.noteOutcomeLocked(s, false)
			buf = append(buf, Result{ID: s.spec.ID, Seq: p.seq, At: e.wallAt(p.sent, r.at), Addr: s.sentTo(p.seq), Err: r.err})
		default:
			received++
			s.failures = 0
			rtt := time.Duration(e.toMono(r.at) - p.sent)
			buf = append(buf, Result{ID: s.spec.ID, Seq: p.seq, RTT: max(rtt, 0), At: r.at.Add(-rtt), Addr: r.from})
		}
	}
	e.mu.Unlock()
	if traced {
		for _, r := range rs {
			if r.id&traceBit != 0 && !e.tracing.deliver(r) {
				if r.err != nil {
					foreign++
				} else {
					ignored++
				}
			}
		}
	}
	e.ignored.Add(ignored)
	e.foreign.Add(foreign)
	e.icmpErrors.Add(errs)
	e.received.Add(received)
	return buf
}

func (e *Engine) emit(r Result) {
	select {
	case e.out <- r:
	case <-e.ctx.Done():
	}
}
