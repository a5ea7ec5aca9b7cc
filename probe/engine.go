package probe

import (
	"context"
	"errors"
	"fmt"
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
}

// Engine probes every added host on its own interval. ICMP probes of all
// hosts share one socket per address family; one scheduler goroutine spreads
// the sends and one reader per socket matches the replies.
type Engine struct {
	opts   Options
	v4, v6 *icmpSocket
	v6err  error // why there is no IPv6 socket, reported on each IPv6 probe
	v4err  error

	wake chan struct{}

	mu      sync.Mutex
	hosts   map[HostID]*slot
	events  eventHeap
	started bool
	rng     *rand.Rand
	out     chan<- Result
	ctx     context.Context
	workers sync.WaitGroup

	sent, received, ignored atomic.Uint64
}

// slot is the engine's view of one host.
type slot struct {
	spec       Spec
	addr       netip.Addr // valid once resolved
	resolveErr error      // the last resolution failure, while addr is invalid
	resolving  bool
	resolvedAt time.Time
	failures   int // consecutive failed probes, to re-resolve a name after an outage
	seq        uint64
	pending    []pending
	next       time.Time
	removed    bool
}

// pending is one probe in flight.
type pending struct {
	seq   uint64
	token uint64
	sent  time.Time
	addr  netip.Addr
}

// sendSlack lets one wake-up send probes that are due within this much: at
// 20,000 hosts a second it bounds wake-ups to ~2,000/s with ~10 sends each,
// still far from a burst.
const sendSlack = 500 * time.Microsecond

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
	return Stats{Sent: e.sent.Load(), Received: e.received.Load(), Ignored: e.ignored.Load()}
}

// Add starts probing a host, replacing any host with the same ID. Hosts
// added before Run have their first probes spread evenly over their
// interval; a host added later is probed at once.
func (e *Engine) Add(spec Spec) {
	s := &slot{spec: spec}
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
	if e.started {
		s.next = time.Now()
		e.events.push(event{at: s.next, s: s})
		e.startResolve(s)
	}
	e.mu.Unlock()
	e.poke()
}

// Remove stops probing a host; replies still in flight are ignored.
func (e *Engine) Remove(id HostID) {
	e.mu.Lock()
	if s := e.hosts[id]; s != nil {
		s.removed = true
		delete(e.hosts, id)
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
	e.spreadFirstSends(time.Now())
	e.mu.Unlock()

	var readers sync.WaitGroup
	for _, sock := range []*icmpSocket{e.v4, e.v6} {
		if sock == nil {
			continue
		}
		readers.Add(1)
		go func() {
			defer readers.Done()
			e.readLoop(ctx, sock)
		}()
	}
	e.schedule(ctx)
	for _, sock := range []*icmpSocket{e.v4, e.v6} {
		if sock != nil {
			sock.close()
		}
	}
	readers.Wait()
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
		e.events.push(event{at: s.next, s: s})
		e.startResolve(s)
	}
}

// schedule is the scheduler loop: it wakes for the next due event, handles
// every event due by then and sleeps again.
func (e *Engine) schedule(ctx context.Context) {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	var due []event
	for {
		now := time.Now()
		due = due[:0]
		e.mu.Lock()
		for len(e.events) > 0 {
			ev := e.events.peek()
			// Timeouts are never early: an early one could turn a slow
			// reply into a loss. Sends may go a little early.
			limit := now
			if ev.seq == 0 {
				limit = now.Add(sendSlack)
			}
			if ev.at.After(limit) {
				break
			}
			due = append(due, e.events.pop())
		}
		wait := time.Hour
		if len(e.events) > 0 {
			wait = time.Until(e.events.peek().at)
		}
		e.mu.Unlock()

		for _, ev := range due {
			if ev.seq == 0 {
				e.send(ev.s)
			} else {
				e.expire(ev.s, ev.seq)
			}
		}
		if len(due) > 0 {
			continue // sending took time; look again before sleeping
		}
		timer.Reset(max(wait, 0))
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

// send sends the next probe of s and schedules the one after it.
func (e *Engine) send(s *slot) {
	e.mu.Lock()
	if s.removed {
		e.mu.Unlock()
		return
	}
	now := time.Now()
	s.next = s.next.Add(s.spec.Interval)
	if s.next.Before(now) {
		// We fell behind (a stopped process, an overloaded machine):
		// continue from now rather than firing the missed probes at once.
		s.next = now.Add(s.spec.Interval)
	}
	e.events.push(event{at: s.next, s: s})
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
	var buf [payloadLen]byte
	pkt, err := sock.echoRequest(buf[:], seq, s.spec.ID, token)
	if err != nil {
		e.mu.Unlock()
		e.emit(Result{ID: s.spec.ID, Seq: seq, At: now, Addr: addr, Err: fmt.Errorf("build echo request: %w", err)})
		return
	}
	sent := time.Now()
	s.pending = append(s.pending, pending{seq: seq, token: token, sent: sent, addr: addr})
	e.events.push(event{at: sent.Add(s.spec.Timeout), s: s, seq: seq})
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

// expire reports probe seq of s as timed out unless its reply came.
func (e *Engine) expire(s *slot, seq uint64) {
	p, ok := e.take(s, seq)
	if !ok {
		return
	}
	e.noteOutcome(s.spec.ID, false)
	e.emit(Result{ID: s.spec.ID, Seq: seq, At: p.sent, Addr: p.addr, Err: ErrTimeout})
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
	p := s.takeLocked(seq, 0, false)
	if p == nil {
		return pending{}, false
	}
	return *p, true
}

func (s *slot) takeLocked(seq, token uint64, checkToken bool) *pending {
	for i := range s.pending {
		p := s.pending[i]
		if p.seq != seq {
			continue
		}
		if checkToken && p.token != token {
			return nil
		}
		s.pending = slices.Delete(s.pending, i, i+1)
		return &p
	}
	return nil
}

// readLoop matches the replies arriving on one socket to outstanding probes.
func (e *Engine) readLoop(ctx context.Context, sock *icmpSocket) {
	buf := make([]byte, 1500)
	oob := make([]byte, 128)
	for {
		r, ok, err := sock.read(buf, oob)
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		if !ok {
			e.ignored.Add(1)
			continue
		}
		e.match(r)
	}
}

// match turns a decoded reply into a Result when it answers a probe we are
// waiting for: the right host, from the address we sent to, with the
// sequence number and token we sent.
func (e *Engine) match(r reply) {
	e.mu.Lock()
	s := e.hosts[r.id]
	var p *pending
	if s != nil && s.addr == r.from && uint16(r.seq) == r.seq16 {
		p = s.takeLocked(r.seq, r.token, true)
	}
	if p == nil {
		e.mu.Unlock()
		e.ignored.Add(1)
		return
	}
	s.failures = 0
	e.mu.Unlock()
	e.received.Add(1)
	rtt := r.at.Sub(p.sent)
	if rtt < 0 {
		rtt = 0
	}
	e.emit(Result{ID: s.spec.ID, Seq: p.seq, RTT: rtt, At: p.sent, Addr: r.from})
}

// noteOutcome counts consecutive failures of a host, and resolves a named
// host again after a few: its address may have changed.
func (e *Engine) noteOutcome(id HostID, ok bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := e.hosts[id]
	if s == nil {
		return
	}
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
