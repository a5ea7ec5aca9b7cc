package probe

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"time"
)

// sendWindow bounds how early the scheduler sends a probe: one wake-up
// sends every probe due within sendAhead, at most maxBurst of them. Each
// host's next probe is still due an interval after its last was due, so a
// host sent early once is sent as early every time, and its interval stays
// exact. Half a second makes a list of up to 128 hosts at 1 s cost two
// wake-ups a second, in bursts of up to 64 (fping sends its whole list at
// once); each wake-up costs tens of microseconds whatever it sends (README,
// "What a wake-up costs"). Larger lists wake once per maxBurst probes.
const sendWindow = 500 * time.Millisecond

// maxBurst bounds the probes one wake-up sends back to back, so that a
// large list does not flood a slow link or a stateful firewall.
const maxBurst = 64

// sendAhead is how early a probe of spec may go in a batch (see
// sendWindow): never more than half its interval.
func sendAhead(spec Spec) time.Duration { return min(sendWindow, spec.Interval/2) }

// sendSlack is how long a wake-up for a send waits for a deadline just
// after it, so that both are done in one wake-up: with timeout = interval,
// a probe's deadline falls a few microseconds after its host's next send.
const sendSlack = 500 * time.Microsecond

// spreadFirstSends staggers the hosts added before Run: host i of n first
// sends at i/n of its interval, so n hosts never go out in one burst.
func (e *Engine) spreadFirstSends(now time.Time) {
	ids := make([]HostID, 0, e.nhosts)
	e.slotsLocked(func(id HostID, _ *slot) { ids = append(ids, id) })
	slices.Sort(ids)
	n := len(ids)
	for i, id := range ids {
		s := e.lookupLocked(id)
		s.next = e.toMono(now) + mono(int64(s.spec.Interval)*int64(i)/int64(n))
		e.events.push(event{at: s.next, s: s}, s.spec.Interval)
		e.startResolve(s)
	}
}

// schedule is the scheduler loop. Each wake-up reads the replies that have
// arrived, reports the probes whose deadline has passed, sends every probe
// due within sendAhead, reads the replies that came back at once, and hands
// the results over just before it sleeps again.
func (e *Engine) schedule(ctx context.Context, sl *sleeper) {
	var (
		sends   []*slot
		expired []deadline
		rd      = new(replyReader)
		results []Result
	)
	for {
		now := time.Now()
		// Replies first: one that arrived before its deadline is matched
		// before the deadline is looked at, however late the reader runs.
		e.drainAll(rd)
		sends, expired = sends[:0], expired[:0]
		e.mu.Lock()
		sends = e.dueLocked(now, sends)
		// Timeouts are never early: an early one could turn a slow reply
		// into a loss.
		expired = e.deadlines.popDue(e.toMono(now), expired)
		e.mu.Unlock()

		results = e.collectRead(rd, results[:0])
		results = e.expireAll(expired, results)
		for _, s := range sends {
			e.send(s, now)
		}
		if len(sends) > 0 {
			// Replies that came back at once (loopback, a LAN) are read now
			// rather than by the reader, which would wake for them.
			e.drainAll(rd)
			results = e.collectRead(rd, results)
		}
		e.rest.set(0) // the sockets were just read: the reader's rest ends
		// The sleep is set under the lock, so a host added after this
		// look at the queue pokes the sleeper after it was set.
		e.mu.Lock()
		wait := time.Hour
		if wake, ok := e.nextWakeLocked(); ok {
			wait = time.Until(wake)
		}
		if wait > 0 {
			sl.set(wait)
		}
		e.mu.Unlock()
		// The results go out last, right before the scheduler sleeps: the
		// monitor's goroutine, woken by the first one, then runs on this
		// thread once this one sleeps, rather than on a second thread (and
		// CPU) started for it while this one is still busy.
		for _, r := range results {
			e.emit(r)
		}
		if ctx.Err() != nil {
			return
		}
		if wait > 0 && sl.sleep() != nil {
			return // closed: ctx is done
		}
	}
}

// drainAll reads every packet waiting on the sockets into rd, for the
// scheduler.
func (e *Engine) drainAll(rd *replyReader) {
	for _, sock := range [...]*icmpSocket{e.v4, e.v6} {
		if sock != nil {
			sock.drain(rd)
		}
	}
}

// dueLocked appends to sends the hosts whose next probe is due within its
// sendAhead of now, earliest first, at most maxBurst of them, and takes
// them off the send queue.
func (e *Engine) dueLocked(now time.Time, sends []*slot) []*slot {
	nowM := e.toMono(now)
	for n := 0; n < maxBurst && e.events.len() > 0; n++ {
		ev := e.events.peek()
		if ev.at > nowM+mono(sendAhead(ev.s.spec)) {
			break
		}
		sends = append(sends, e.events.pop().s)
	}
	return sends
}

// nextWakeLocked is when the scheduler has something to do: the next send or
// the next deadline of a probe still unanswered. A deadline within
// sendSlack after the next send takes the send with it.
func (e *Engine) nextWakeLocked() (time.Time, bool) {
	at, ok := e.deadlines.next()
	if e.events.len() == 0 {
		return e.toTime(at), ok
	}
	next := e.events.peek().at
	if !ok || next < at-mono(sendSlack) {
		return e.toTime(next), true
	}
	return e.toTime(at), true // the deadline first, or just after the send: one wake-up for both
}

// reschedule queues the probe after the one s is sending now: its interval
// after the last one's time, so that the interval is exact on average
// whatever the batching. now is when the scheduler woke up.
func (e *Engine) reschedule(s *slot, now time.Time) {
	s.next += mono(s.spec.Interval)
	if nowM := e.toMono(now); s.next < nowM {
		// We fell behind (a stopped process, an overloaded machine):
		// continue from now rather than firing the missed probes at once.
		s.next = nowM + mono(s.spec.Interval)
	}
	e.events.push(event{at: s.next, s: s}, s.spec.Interval)
}

// send sends the next probe of s and schedules the one after it. now is
// when the scheduler woke up: a batch's sends share it, and only an ICMP
// probe's send time, which its RTT starts from, is read afresh.
func (e *Engine) send(s *slot, now time.Time) {
	e.mu.Lock()
	if s.removed {
		e.mu.Unlock()
		return
	}
	e.reschedule(s, now)
	s.seq++
	seq := s.seq
	addr := s.addr
	if e.opts.Prober == nil && !addr.IsValid() {
		var resolveErr error
		if ns := s.name(); ns != nil {
			resolveErr = ns.resolveErr
		}
		e.startResolve(s)
		e.mu.Unlock()
		if resolveErr != nil {
			e.emit(Result{ID: s.spec.ID, Seq: seq, At: now, Err: resolveErr})
		}
		// Still resolving for the first time: no verdict yet.
		return
	}
	if e.opts.Prober != nil || s.spec.Target.Kind == KindTCP {
		e.mu.Unlock()
		e.sendSync(s, seq, addr, now)
		return
	}
	sock, sockErr := e.v4, e.v4err
	if addr.Is6() {
		sock, sockErr = e.v6, e.v6err
	}
	if sock == nil {
		e.mu.Unlock()
		e.emit(Result{ID: s.spec.ID, Seq: seq, At: now, Addr: addr, Err: fmt.Errorf("no ICMP socket for %s: %w", addr, sockErr)})
		return
	}
	token := e.rng.Uint64()
	pkt := sock.echoRequest(&sock.pkt, seq, s.spec.ID, token)
	sent := time.Now()
	sentM := e.toMono(sent)
	s.addPending(pending{seq: seq, token: token, sent: sentM})
	e.deadlines.push(deadline{at: sentM + mono(s.spec.Timeout), s: s, seq: seq}, s.spec.Timeout)
	e.mu.Unlock()

	e.sent.Add(1)
	if err := sock.send(pkt, addr); err != nil {
		// No route, a link that is down: the kernel says so at once.
		if _, ok := e.take(s, seq); ok {
			e.emit(Result{ID: s.spec.ID, Seq: seq, At: sent, Addr: addr, Err: fmt.Errorf("send: %w", err)})
		}
	}
}

// sendSync runs one probe of a synchronous prober (TCP, demo) in its own
// goroutine, bounded by the host's timeout. Its result goes to s only: a
// host paused and resumed meanwhile has a new slot, which the probe of the
// old one must not count against.
func (e *Engine) sendSync(s *slot, seq uint64, addr netip.Addr, at time.Time) {
	p := e.opts.Prober
	if p == nil {
		p = e.opts.TCP
	}
	spec := s.spec
	e.sent.Add(1)
	e.workers.Add(1)
	go func() {
		defer e.workers.Done()
		ctx, cancel := context.WithTimeout(e.ctx, spec.Timeout)
		rtt, err := p.Probe(ctx, spec.Target, addr)
		cancel()
		e.mu.Lock()
		if s.removed || e.ctx.Err() != nil {
			e.mu.Unlock()
			return // the host was removed (or paused) meanwhile, or the engine stopped
		}
		e.noteOutcomeLocked(s, err == nil)
		e.mu.Unlock()
		if err == nil {
			e.received.Add(1)
		}
		e.emit(Result{ID: spec.ID, Seq: seq, RTT: rtt, Err: err, At: at, Addr: addr})
	}()
}
