package probe

import (
	"context"
	"errors"
	"fmt"
	"math/bits"
	"math/rand/v2"
	"net"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Resolver looks up host names; *net.Resolver satisfies it. Tests inject a
// fake so that no DNS query ever leaves the machine.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Options configure an Engine.
type Options struct {
	// ICMP opens the ICMP sockets; leave it false when no target uses ICMP.
	ICMP bool
	// Mode chooses the kind of ICMP socket.
	Mode ICMPMode
	// Prober, when set, probes every target (the demo): no sockets, no DNS.
	Prober Prober
	// TCP probes tcp:// targets; default &TCPProber{}.
	TCP Prober
	// Resolver resolves DNS names; default net.DefaultResolver.
	Resolver Resolver
	// ResolveEvery is how often a name is resolved again; default 5m.
	ResolveEvery time.Duration
}

// Stats are the engine's running totals.
type Stats struct {
	Sent     uint64 // probes sent
	Received uint64 // valid replies matched to a probe
	Ignored  uint64 // packets that matched no outstanding probe: late, duplicated, foreign, corrupted
	Errors   uint64 // ICMP errors that answered a probe (unreachable, prohibited, TTL exceeded)
	Foreign  uint64 // ICMP errors about packets that were not ours, or no longer awaited
	Traced   uint64 // trace probes sent (not in Sent)
}

// Engine probes every added host on its own interval. ICMP probes of all
// hosts share one socket per address family; one scheduler goroutine spreads
// the sends over the interval in batches and reads the replies that have
// come when it wakes, and one reader goroutine reads those that come while
// it sleeps.
type Engine struct {
	opts   Options
	v4, v6 *icmpSocket
	v6err  error // why there is no IPv6 socket, reported on each IPv6 probe
	v4err  error

	wake chan struct{}

	mu        sync.Mutex
	hosts     map[HostID]*slot
	byID      []*slot   // the same slots by ID, for matching (see index)
	events    sendQueue // the next send of every host
	deadlines deadlines // of the probes in flight
	started   bool
	epoch     time.Time // when Run started: the origin of the hosts' slots
	lastAdd   time.Time // of a host added while running
	rng       *rand.Rand
	out       chan<- Result
	ctx       context.Context
	workers   sync.WaitGroup

	sent, received, ignored atomic.Uint64
	icmpErrors, foreign     atomic.Uint64
	traceSent               atomic.Uint64

	tracing tracing // trace.go
}

// slot is the engine's view of one host.
//
// The fields every probe touches come first and the probes in flight live
// in the slot itself (pendBuf), so that a send and its reply touch a few
// adjacent cache lines of one host: at thousands of hosts, each host's slot
// is cold by the time its next probe is due, and the misses were most of the
// engine's own CPU.
type slot struct {
	removed  bool
	seq      uint64
	next     time.Time
	addr     netip.Addr // valid once resolved
	failures int        // consecutive failed probes, to re-resolve a name after an outage
	pending  []pending  // in flight, oldest first; backed by pendBuf until more are
	spec     Spec
	pendBuf  [2]pending

	resolveErr error // the last resolution failure, while addr is invalid
	resolving  bool
	resolvedAt time.Time
}

// pending is one probe in flight.
type pending struct {
	seq   uint64
	token uint64
	sent  time.Time
	addr  netip.Addr
}

// batchWindow bounds how early the scheduler sends a probe: one wake-up
// sends every probe due within min(batchWindow, interval/20), so it wakes
// at most ~20 times a second whatever the host count; the reader rests as
// long after a read. Accuracy is not traded: an RTT ends at the kernel's
// receive timestamp, and no probe is given up before the sockets are read.
// Why wake-ups are worth bounding: README, "Performance" (few wake-ups).
const batchWindow = 50 * time.Millisecond

// sendAhead is how early a probe of spec may go in a batch (see
// batchWindow).
func sendAhead(spec Spec) time.Duration { return min(batchWindow, spec.Interval/20) }

// minBatch is the fewest probes worth a batch: below it (under ~160 probes a
// second), each probe goes at its own time, give or take sendSlack.
const minBatch = 8

// sendSlack lets a wake-up send the probes due within this much anyway.
const sendSlack = 500 * time.Microsecond

// maxReaderRest bounds how long the reader rests while the scheduler finds
// replies on its own wake-ups.
const maxReaderRest = 250 * time.Millisecond

// reResolveAfter is how many consecutive failures of a named host make the
// engine resolve the name again (its address may have moved).
const reResolveAfter = 3

// NewEngine opens the sockets the options ask for. With ICMP set, it fails
// with ErrNoICMP when no ICMP socket of any kind can be opened.
func NewEngine(opts Options) (*Engine, error) {
	if opts.TCP == nil {
		opts.TCP = &TCPProber{}
	}
	if opts.Resolver == nil {
		opts.Resolver = net.DefaultResolver
	}
	if opts.ResolveEvery <= 0 {
		opts.ResolveEvery = 5 * time.Minute
	}
	e := &Engine{
		opts:  opts,
		wake:  make(chan struct{}, 1),
		hosts: make(map[HostID]*slot),
		rng:   rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64())),
	}
	if opts.ICMP && opts.Prober == nil {
		e.v4, e.v4err = openICMP(false, opts.Mode)
		e.v6, e.v6err = openICMP(true, opts.Mode)
		if e.v4 == nil && e.v6 == nil {
			return nil, e.v4err
		}
	}
	return e, nil
}

// Mode describes how probes are sent, for the start-up log line:
// "unprivileged", "raw", "demo" or "none".
func (e *Engine) Mode() string {
	switch {
	case e.opts.Prober != nil:
		return "demo"
	case e.v4 != nil && !e.v4.raw, e.v4 == nil && e.v6 != nil && !e.v6.raw:
		return "unprivileged"
	case e.v4 != nil || e.v6 != nil:
		return "raw"
	}
	return "none"
}

// Stats returns the running totals.
func (e *Engine) Stats() Stats {
	return Stats{Sent: e.sent.Load(), Received: e.received.Load(), Ignored: e.ignored.Load(),
		Errors: e.icmpErrors.Load(), Foreign: e.foreign.Load(), Traced: e.traceSent.Load()}
}

// ErrorsHidden says why the kernel hides ICMP errors from the engine's
// sockets (a ping socket without IP_RECVERR), or "" when it does not: a
// probe that a router stops then times out rather than failing with the
// router's reason.
func (e *Engine) ErrorsHidden() string {
	for _, s := range [...]*icmpSocket{e.v4, e.v6} {
		if s != nil && s.errorsHidden != "" {
			return s.errorsHidden
		}
	}
	return ""
}

// Add starts probing a host, replacing any host with the same ID. Hosts
// added before Run have their first probes spread evenly over their
// interval; a host added later is probed at once, unless it comes with
// others (see bulkAdd).
func (e *Engine) Add(spec Spec) {
	s := &slot{spec: spec}
	s.pending = s.pendBuf[:0]
	if e.opts.Prober == nil {
		if a, ok := spec.Target.Literal(); ok {
			s.addr = a
		}
	}
	e.mu.Lock()
	if old := e.hosts[spec.ID]; old != nil {
		old.removed = true
	}
	e.hosts[spec.ID] = s
	e.index(spec.ID, s)
	if e.started {
		now := time.Now()
		s.next = now
		if now.Sub(e.lastAdd) < bulkAdd {
			s.next = e.slotAfter(s.spec, now)
		}
		e.lastAdd = now
		e.events.push(event{at: s.next, s: s}, s.spec.Interval)
		e.startResolve(s)
	}
	e.mu.Unlock()
	e.poke()
}

// bulkAdd: a host added within this long of the previous one is part of a
// bulk add (the monitor adds every host just after Run starts; "resume
// all"), and is first probed in its slot (see slotAfter), not at once.
const bulkAdd = 100 * time.Millisecond

// slotAfter is the first time at or after now in the host's own slot of its
// interval. Slots come from the host's ID by the golden ratio, which spreads
// any run of IDs evenly over the interval: hosts added in bulk while the
// engine runs are probed spread out, as those added before Run are, where
// "at once" would send them in one burst, every interval, for good.
func (e *Engine) slotAfter(spec Spec, now time.Time) time.Time {
	iv := spec.Interval
	if iv <= 0 {
		return now
	}
	frac := uint64(spec.ID) * 0x9E3779B97F4A7C15 // ID × 2^64 / golden ratio, mod 2^64
	hi, _ := bits.Mul64(uint64(iv), frac)
	phase := time.Duration(hi) // iv × frac / 2^64
	d := now.Sub(e.epoch) - phase
	k := (d + iv - 1) / iv
	if d <= 0 {
		k = 0
	}
	return e.epoch.Add(phase + k*iv)
}

// Remove stops probing a host; replies still in flight are ignored.
func (e *Engine) Remove(id HostID) {
	e.mu.Lock()
	if s := e.hosts[id]; s != nil {
		s.removed = true
		delete(e.hosts, id)
		e.index(id, nil)
	}
	e.mu.Unlock()
}

func (e *Engine) poke() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// Run probes until ctx is cancelled, sending one Result per probe to out.
// It closes the sockets before it returns.
func (e *Engine) Run(ctx context.Context, out chan<- Result) error {
	e.mu.Lock()
	if e.started {
		e.mu.Unlock()
		return errors.New("probe: engine already running")
	}
	e.started, e.out, e.ctx = true, out, ctx
	e.epoch = time.Now()
	e.spreadFirstSends(e.epoch)
	e.mu.Unlock()

	var socks []*icmpSocket
	for _, sock := range []*icmpSocket{e.v4, e.v6} {
		if sock != nil {
			socks = append(socks, sock)
		}
	}
	var reader sync.WaitGroup
	var waiter *replyWaiter
	if len(socks) > 0 {
		var err error
		if waiter, err = newReplyWaiter(socks); err != nil {
			return fmt.Errorf("probe: start the reader: %w", err)
		}
		reader.Add(1)
		go func() {
			defer reader.Done()
			e.readLoop(ctx, socks, waiter)
		}()
	}
	e.schedule(ctx)
	if waiter != nil {
		waiter.close()
	}
	reader.Wait()
	e.tracing.inFlight.Wait() // they end with ctx
	for _, sock := range socks {
		sock.close()
	}
	e.workers.Wait()
	return nil
}

// spreadFirstSends staggers the hosts added before Run: host i of n first
// sends at i/n of its interval, so n hosts never go out in one burst.
func (e *Engine) spreadFirstSends(now time.Time) {
	ids := make([]HostID, 0, len(e.hosts))
	for id := range e.hosts {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	n := len(ids)
	for i, id := range ids {
		s := e.hosts[id]
		s.next = now.Add(time.Duration(int64(s.spec.Interval) * int64(i) / int64(n)))
		e.events.push(event{at: s.next, s: s}, s.spec.Interval)
		e.startResolve(s)
	}
}

// schedule is the scheduler loop. Each wake-up reads the replies that have
// arrived, reports the probes whose deadline has passed, sends every probe
// due within sendAhead, reads the replies that came back at once, and hands
// the results over just before it sleeps again.
func (e *Engine) schedule(ctx context.Context) {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
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
		for e.events.len() > 0 {
			ev := e.events.peek()
			if ev.at.After(now.Add(sendAhead(ev.s.spec))) {
				break
			}
			sends = append(sends, e.events.pop().s)
		}
		if len(sends) < minBatch {
			// Too few to be worth a batch: each goes at its own time.
			keep := sends[:0]
			for _, s := range sends {
				if s.next.After(now.Add(sendSlack)) {
					e.events.push(event{at: s.next, s: s}, s.spec.Interval)
				} else {
					keep = append(keep, s)
				}
			}
			sends = keep
		}
		// Timeouts are never early: an early one could turn a slow reply
		// into a loss.
		expired = e.deadlines.popDue(now, expired)
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
		e.mu.Lock()
		wake, ok := e.nextWakeLocked()
		e.mu.Unlock()
		wait := time.Hour
		if ok {
			wait = time.Until(wake)
		}
		// The results go out last, right before the scheduler sleeps: the
		// monitor's goroutine, woken by the first one, then runs on this
		// thread once this one sleeps, rather than on a second thread (and
		// CPU) started for it while this one is still busy.
		for _, r := range results {
			e.emit(r)
		}
		if wait <= 0 {
			if ctx.Err() != nil {
				return // however far behind, shutdown comes first
			}
			continue
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			return
		case <-e.wake:
			if !timer.Stop() {
				<-timer.C
			}
		case <-timer.C:
		}
	}
}

// drainAll reads every packet waiting on the sockets into rd, for the
// scheduler.
func (e *Engine) drainAll(rd *replyReader) {
	for _, sock := range [...]*icmpSocket{e.v4, e.v6} {
		if sock != nil {
			if n := sock.drain(rd); n > 0 {
				sock.drained.Add(uint64(n))
			}
		}
	}
}

// nextWakeLocked is when the scheduler has something to do: the next send or
// the next deadline of a probe still unanswered.
func (e *Engine) nextWakeLocked() (time.Time, bool) {
	at, ok := e.deadlines.next()
	if e.events.len() > 0 {
		if next := e.events.peek().at; !ok || next.Before(at) {
			at, ok = next, true
		}
	}
	return at, ok
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
	s.next = s.next.Add(s.spec.Interval)
	if s.next.Before(now) {
		// We fell behind (a stopped process, an overloaded machine):
		// continue from now rather than firing the missed probes at once.
		s.next = now.Add(s.spec.Interval)
	}
	e.events.push(event{at: s.next, s: s}, s.spec.Interval)
	s.seq++
	seq := s.seq
	addr := s.addr
	if e.opts.Prober == nil && !addr.IsValid() {
		resolveErr := s.resolveErr
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
		e.sendSync(s.spec, seq, addr, now)
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
	s.pending = append(s.pending, pending{seq: seq, token: token, sent: sent, addr: addr})
	e.deadlines.push(deadline{at: sent.Add(s.spec.Timeout), s: s, seq: seq}, s.spec.Timeout)
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
// goroutine, bounded by the host's timeout.
func (e *Engine) sendSync(spec Spec, seq uint64, addr netip.Addr, at time.Time) {
	p := e.opts.Prober
	if p == nil {
		p = e.opts.TCP
	}
	e.sent.Add(1)
	e.workers.Add(1)
	go func() {
		defer e.workers.Done()
		ctx, cancel := context.WithTimeout(e.ctx, spec.Timeout)
		rtt, err := p.Probe(ctx, spec.Target, addr)
		cancel()
		e.mu.Lock()
		current := e.hosts[spec.ID] != nil && e.hosts[spec.ID].spec == spec
		e.mu.Unlock()
		if e.ctx.Err() != nil || !current {
			return // stopped, or the host was removed meanwhile
		}
		if err == nil {
			e.received.Add(1)
		}
		e.noteOutcome(spec.ID, err == nil)
		e.emit(Result{ID: spec.ID, Seq: seq, RTT: rtt, Err: err, At: at, Addr: addr})
	}()
}

// expireAll turns the probes whose deadline passed and whose reply has not
// come into timeouts, appended to buf for the caller to send (as matchAll).
func (e *Engine) expireAll(ds []deadline, buf []Result) []Result {
	if len(ds) == 0 {
		return buf
	}
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
		buf = append(buf, Result{ID: d.s.spec.ID, Seq: d.seq, At: p.sent, Addr: p.addr, Err: ErrTimeout})
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
	for i, p := range s.pending {
		if p.seq != seq {
			continue
		}
		if checkToken && p.token != token {
			return pending{}, false
		}
		s.pending = slices.Delete(s.pending, i, i+1)
		return p, true
	}
	return pending{}, false
}

// readLoop matches the replies that arrive while the scheduler sleeps: it
// waits for a packet on any socket, reads every packet waiting, and rests
// before it waits again. The rest is batchWindow, doubled up to
// maxReaderRest while the scheduler finds replies on its own wake-ups: it
// then reads them soon enough, and the reader waking for them too would
// only cost CPU. Resting costs no accuracy: an RTT ends at the kernel's
// receive timestamp, and the scheduler reads the sockets before it gives up
// on any probe.
func (e *Engine) readLoop(ctx context.Context, socks []*icmpSocket, w *replyWaiter) {
	rd := new(replyReader)
	stamped := true // every socket has kernel timestamps: reading late is harmless
	for _, s := range socks {
		stamped = stamped && s.kernelTS
	}
	drained := func() (n uint64) {
		for _, s := range socks {
			n += s.drained.Load()
		}
		return n
	}
	rest := time.NewTimer(time.Hour)
	defer rest.Stop()
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
		if !stamped {
			continue // without kernel timestamps, a reply read late has a longer RTT
		}
		for d := batchWindow; d > 0; d = min(2*d, maxReaderRest) {
			before := drained()
			rest.Reset(d)
			select {
			case <-ctx.Done():
				return
			case <-rest.C:
			}
			if drained() == before {
				break
			}
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
			buf = append(buf, Result{ID: s.spec.ID, Seq: p.seq, At: p.sent, Addr: p.addr, Err: r.err})
		default:
			received++
			s.failures = 0
			buf = append(buf, Result{ID: s.spec.ID, Seq: p.seq, RTT: max(r.at.Sub(p.sent), 0), At: p.sent, Addr: r.from})
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

// denseIDs bounds the IDs kept in the dense index; larger ones (never, from
// the monitor, which counts from 1) are found in the map.
const denseIDs = 1 << 22

// index records s (nil: none) as the slot of id in the dense index, a slice
// by ID: the monitor numbers hosts 1, 2, 3…, and matching a reply is a
// lookup that a slice does in one memory access where a map needs several.
func (e *Engine) index(id HostID, s *slot) {
	if id >= denseIDs {
		return
	}
	if int(id) >= len(e.byID) {
		if s == nil {
			return
		}
		e.byID = slices.Grow(e.byID, int(id)+1-len(e.byID))[:int(id)+1]
	}
	e.byID[id] = s
}

// lookupLocked finds the slot of id.
func (e *Engine) lookupLocked(id HostID) *slot {
	if int(id) < len(e.byID) {
		if s := e.byID[id]; s != nil {
			return s
		}
	}
	return e.hosts[id]
}

// noteOutcome counts consecutive failures of a host, and resolves a named
// host again after a few: its address may have changed.
func (e *Engine) noteOutcome(id HostID, ok bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if s := e.hosts[id]; s != nil {
		e.noteOutcomeLocked(s, ok)
	}
}

func (e *Engine) noteOutcomeLocked(s *slot, ok bool) {
	if ok {
		s.failures = 0
		return
	}
	s.failures++
	if s.failures >= reResolveAfter && time.Since(s.resolvedAt) > 30*time.Second {
		s.resolvedAt = time.Time{} // stale: startResolve will look it up
		e.startResolve(s)
	}
}

func (e *Engine) emit(r Result) {
	select {
	case e.out <- r:
	case <-e.ctx.Done():
	}
}
