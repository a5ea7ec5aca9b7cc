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

	sleeper atomic.Pointer[sleeper] // where the scheduler sleeps, while Run runs
	rest    *sleeper                // where the reader rests after a read, while Run runs
	restFor time.Duration           // how long at most: readerRest (a test sets it longer)
	addedAt func() time.Time        // the clock Add reads: time.Now (a test's is virtual)

	mu        sync.Mutex
	byID      []*slot          // the hosts' slots by ID (see setLocked)
	hosts     map[HostID]*slot // those of IDs past the slice
	nhosts    int
	events    sendQueue // the next send of every host
	deadlines deadlines // of the probes in flight
	started   bool
	base      time.Time // the origin of every mono
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

// slot is the engine's view of one host. The fields every probe touches
// come first and the probe in flight lives in the slot itself (first), so
// that a send and its reply touch a few adjacent cache lines of a host
// whose slot is cold by then.
type slot struct {
	removed  bool
	failures int32 // consecutive failed probes, to re-resolve a name after an outage
	seq      uint64
	next     mono
	addr     netip.Addr // valid once resolved
	spec     Spec
	first    pending  // the oldest probe in flight; seq 0: none
	ext      *slotExt // what only some hosts need; nil: none of it
}

// slotExt is what only some hosts need, apart so that the slot of every
// other host stays small (128 B, two cache lines).
type slotExt struct {
	more []pending  // the probes in flight after first, oldest first (a host that does not answer in time)
	name *nameState // a DNS name's lookups; nil for an IP address
}

// extLocked returns s's slotExt, made on first need and kept.
func (s *slot) extLocked() *slotExt {
	if s.ext == nil {
		s.ext = new(slotExt)
	}
	return s.ext
}

// name returns what the engine knows of the lookups of s's DNS name; nil
// for an IP address.
func (s *slot) name() *nameState {
	if s.ext == nil {
		return nil
	}
	return s.ext.name
}

// nameState is what the engine knows of the lookups of a host's DNS name;
// it is apart from the slot so that the slot of an IP address stays small.
type nameState struct {
	resolveErr error // the last resolution failure, while addr is invalid
	resolving  bool
	resolvedAt time.Time
	past       []addrBefore // earlier addresses that probes still in flight went to, oldest first
}

// addrBefore is an earlier address of a host: its probes before seq
// (and from the one before's seq) went to addr.
type addrBefore struct {
	addr netip.Addr
	seq  uint64
}

// pending is one probe in flight. The address it went to is the slot's
// (see sentTo).
type pending struct {
	seq   uint64
	token uint64
	sent  mono
}

// sentTo is the address probe seq of s went to: the host's address, unless
// its name has resolved to another since.
func (s *slot) sentTo(seq uint64) netip.Addr {
	if ns := s.name(); ns != nil {
		for _, a := range ns.past {
			if seq < a.seq {
				return a.addr
			}
		}
	}
	return s.addr
}

// setAddrLocked makes a the address of s, a name that resolved, keeping the
// one before for the probes still in flight to it (see sentTo).
func (s *slot) setAddrLocked(a netip.Addr) {
	if a == s.addr {
		return
	}
	oldest := s.seq + 1 // the oldest probe in flight, or the next one
	if s.first.seq != 0 {
		oldest = s.first.seq
	}
	ns := s.name()
	past := ns.past[:0]
	for _, p := range ns.past {
		if p.seq > oldest {
			past = append(past, p) // some probe in flight went there
		}
	}
	if s.addr.IsValid() && s.seq+1 > oldest {
		past = append(past, addrBefore{addr: s.addr, seq: s.seq + 1})
	}
	ns.past = past
	s.addr = a
}

// addPending records p, sent after every probe of s in flight.
func (s *slot) addPending(p pending) {
	if s.first.seq == 0 {
		s.first = p
		return
	}
	x := s.extLocked()
	x.more = append(x.more, p)
}

// inFlight reports whether probe seq of s is in flight.
func (s *slot) inFlight(seq uint64) bool {
	if s.first.seq == seq {
		return seq != 0
	}
	if s.ext != nil {
		for _, p := range s.ext.more {
			if p.seq == seq {
				return true
			}
		}
	}
	return false
}

// mono is a time as nanoseconds after the engine's base, on the monotonic
// clock: 8 bytes where a time.Time takes 24, in every slot, queued send and
// deadline.
type mono int64

// toMono returns t as a mono.
func (e *Engine) toMono(t time.Time) mono { return mono(t.Sub(e.base)) }

// toTime returns m as a time.Time.
func (e *Engine) toTime(m mono) time.Time { return e.base.Add(time.Duration(m)) }

// wallAt returns m as a time.Time on the wall clock of now, a time read
// after m: now less the monotonic time since m, so that a wall clock that
// was stepped (or a machine that slept) since the base does not shift it.
func (e *Engine) wallAt(m mono, now time.Time) time.Time {
	return now.Add(time.Duration(m - e.toMono(now)))
}

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
		opts:    opts,
		base:    time.Now(),
		hosts:   make(map[HostID]*slot),
		rng:     rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64())),
		restFor: readerRest,
		addedAt: time.Now,
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

// SocketMode is how the engine sends ICMP probes, as Mode reports it.
type SocketMode uint8

// The socket modes. Their String is what logs and metrics show.
const (
	SocketNone         SocketMode = iota // no ICMP socket: tcp:// targets only
	SocketUnprivileged                   // datagram "ping" sockets
	SocketRaw                            // raw sockets
	SocketDemo                           // the demo prober: no socket at all
)

// String returns "none", "unprivileged", "raw" or "demo".
func (m SocketMode) String() string {
	switch m {
	case SocketUnprivileged:
		return "unprivileged"
	case SocketRaw:
		return "raw"
	case SocketDemo:
		return "demo"
	}
	return "none"
}

// MarshalText returns String, so that a structured log shows the word, not
// the number.
func (m SocketMode) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// Mode says how probes are sent, for the start-up log line.
func (e *Engine) Mode() SocketMode {
	switch {
	case e.opts.Prober != nil:
		return SocketDemo
	case e.v4 != nil && !e.v4.raw, e.v4 == nil && e.v6 != nil && !e.v6.raw:
		return SocketUnprivileged
	case e.v4 != nil || e.v6 != nil:
		return SocketRaw
	}
	return SocketNone
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
	if e.opts.Prober == nil {
		if a, ok := spec.Target.Literal(); ok {
			s.addr = a
		}
	}
	e.mu.Lock()
	if old := e.lookupLocked(spec.ID); old != nil {
		old.removed = true
	}
	e.setLocked(spec.ID, s)
	if e.started {
		now := e.addedAt()
		s.next = e.toMono(now)
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
func (e *Engine) slotAfter(spec Spec, now time.Time) mono {
	iv := spec.Interval
	if iv <= 0 {
		return e.toMono(now)
	}
	frac := uint64(spec.ID) * 0x9E3779B97F4A7C15 // ID × 2^64 / golden ratio, mod 2^64
	hi, _ := bits.Mul64(uint64(iv), frac)
	phase := time.Duration(hi) // iv × frac / 2^64
	d := now.Sub(e.epoch) - phase
	k := (d + iv - 1) / iv
	if d <= 0 {
		k = 0
	}
	return e.toMono(e.epoch) + mono(phase+k*iv)
}

// Remove stops probing a host; replies still in flight are ignored.
func (e *Engine) Remove(id HostID) {
	e.mu.Lock()
	if s := e.lookupLocked(id); s != nil {
		s.removed = true
		e.setLocked(id, nil)
	}
	e.mu.Unlock()
}

// poke wakes the scheduler: a host was added.
func (e *Engine) poke() {
	if sl := e.sleeper.Load(); sl != nil {
		sl.set(0)
	}
}

// Run probes until ctx is cancelled, sending one Result per probe to out.
// It closes the sockets before it returns.
func (e *Engine) Run(ctx context.Context, out chan<- Result) error {
	// The reader's rest is there before Run counts as started: a trace
	// round, which may start at once, ends it.
	rest, err := newSleeper()
	if err != nil {
		return fmt.Errorf("probe: start the reader: %w", err)
	}
	defer rest.close()
	e.mu.Lock()
	if e.started {
		e.mu.Unlock()
		return errors.New("probe: engine already running")
	}
	e.started, e.out, e.ctx, e.rest = true, out, ctx, rest
	e.epoch = time.Now()
	e.spreadFirstSends(e.epoch)
	e.mu.Unlock()

	sl, err := newSleeper()
	if err != nil {
		return fmt.Errorf("probe: start the scheduler: %w", err)
	}
	defer sl.close()
	stop := context.AfterFunc(ctx, sl.close)
	defer stop()
	e.sleeper.Store(sl)
	e.poke() // for a host added before the sleeper was there
	stopRest := context.AfterFunc(ctx, e.rest.close)
	defer stopRest()

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
	e.schedule(ctx, sl)
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

// denseIDs bounds the IDs kept in the slice by ID; larger ones (never, from
// the monitor, which counts from 1) are kept in the map.
const denseIDs = 1 << 22

// setLocked records s (nil: none) as the slot of id. The slots are kept in
// a slice by ID, and only there: the monitor numbers hosts 1, 2, 3…, and
// matching a reply is a lookup that a slice does in one memory access where
// a map needs several.
func (e *Engine) setLocked(id HostID, s *slot) {
	switch old := e.lookupLocked(id); {
	case old == nil && s != nil:
		e.nhosts++
	case old != nil && s == nil:
		e.nhosts--
	}
	if id >= denseIDs {
		if s == nil {
			delete(e.hosts, id)
		} else {
			e.hosts[id] = s
		}
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
		return e.byID[id]
	}
	return e.hosts[id]
}

// slotsLocked calls f with every host and its slot, in ID order for those
// in the slice.
func (e *Engine) slotsLocked(f func(HostID, *slot)) {
	for id, s := range e.byID {
		if s != nil {
			f(HostID(id), s)
		}
	}
	for id, s := range e.hosts {
		f(id, s)
	}
}
