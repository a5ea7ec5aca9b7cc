package probe

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// A trace sends echo requests with a limited TTL (hop limit) toward a host
// on the engine's shared sockets, as mtr does: the router where the TTL runs
// out answers with "time exceeded", the host itself with an echo reply. Its
// probes carry a host ID with traceBit set, so the reader hands their
// answers to the trace rather than to a host.
const traceBit HostID = 1 << 31

// TraceOptions shape a trace.
type TraceOptions struct {
	MaxHops int           // the highest TTL tried; default 30
	Timeout time.Duration // how long a round waits for answers after its last send; default 1s
	// StartBy, when set, is when Trace gives up waiting for a trace slot
	// (ErrTraceBusy): a trace that starts later would be too late.
	StartBy time.Time
}

// ErrTraceBusy is returned by Trace when no trace slot came free by
// TraceOptions.StartBy.
var ErrTraceBusy = errors.New("probe: every trace slot is busy")

func (o TraceOptions) withDefaults() TraceOptions {
	if o.MaxHops <= 0 || o.MaxHops > 255 {
		o.MaxHops = 30
	}
	if o.Timeout <= 0 {
		o.Timeout = time.Second
	}
	return o
}

// The engine's bounds on tracing: a storm of DOWN hosts must not become a
// storm of traces.
const (
	// MaxTraces is how many traces run at once; the others wait.
	MaxTraces = 8
	// TraceRate is how many trace probes a second the engine sends at most,
	// all traces together.
	TraceRate = 300
)

// Hop is what one TTL of a trace saw.
type Hop struct {
	TTL            int
	Addr           netip.Addr // who answered last at this TTL; invalid while nobody has
	Sent, Received int
	Last, Best     time.Duration
	Worst, Sum     time.Duration
	// Err is the ICMP error this hop answered with when it was not "time
	// exceeded" (unreachable, prohibited): the path ends here.
	Err *ICMPError
}

// Loss is the share of probes at this TTL that got no answer, 0..1.
func (h Hop) Loss() float64 {
	if h.Sent == 0 {
		return 0
	}
	return 1 - float64(h.Received)/float64(h.Sent)
}

// Avg is the mean round-trip time of the answered probes.
func (h Hop) Avg() time.Duration {
	if h.Received == 0 {
		return 0
	}
	return h.Sum / time.Duration(h.Received)
}

// Path is the result of a trace: Hops[i] is TTL i+1, for every TTL probed;
// Visible are the ones to show.
type Path struct {
	Dest   netip.Addr
	Hops   []Hop
	Rounds int
	// DestTTL is the TTL at which the destination answered (0: it did not).
	DestTTL int
	// stopTTL is the TTL at which a router answered with an error that ends
	// the path (0: none did).
	stopTTL int
}

// Reached reports whether the destination answered.
func (p *Path) Reached() bool { return p.DestTTL > 0 }

// End is the farthest hop that answered (of the visible ones): its TTL and
// address; 0 when none did. A router that answers for the hop after it
// with an error (it cannot reach the next one, or may not forward) is
// where the path ends, at its own hop.
func (p *Path) End() (int, netip.Addr) {
	hops := p.Visible()
	for i := len(hops) - 1; i >= 0; i-- {
		if hops[i].Received == 0 {
			continue
		}
		if hops[i].Err != nil && i > 0 && hops[i-1].Received > 0 && hops[i-1].Addr == hops[i].Addr {
			i--
		}
		return hops[i].TTL, hops[i].Addr
	}
	return 0, netip.Addr{}
}

// Visible are the hops worth showing: up to the destination, or to the
// router that ended the path with an error; else up to the last hop that
// answered and one silent hop after it (the "???" where the path goes
// dark). Hops keeps them all, so that a round that heard nothing in time
// does not throw away what the others counted.
func (p *Path) Visible() []Hop {
	hops := p.Hops
	if l := p.limit(len(hops)); len(hops) > l {
		hops = hops[:l]
	}
	if p.Reached() || p.stopTTL > 0 {
		return hops
	}
	end := 0
	for i := len(hops) - 1; i >= 0; i-- {
		if hops[i].Received > 0 {
			end = hops[i].TTL
			break
		}
	}
	if len(hops) > end+1 {
		hops = hops[:end+1]
	}
	return hops
}

// limit is the highest TTL worth probing: the destination's, a router's
// that ended the path, or max.
func (p *Path) limit(max int) int {
	for _, l := range []int{p.DestTTL, p.stopTTL} {
		if l > 0 && l < max {
			max = l
		}
	}
	return max
}

func (p *Path) hop(ttl int) *Hop {
	for len(p.Hops) < ttl {
		p.Hops = append(p.Hops, Hop{TTL: len(p.Hops) + 1})
	}
	return &p.Hops[ttl-1]
}

// tracing is the engine's part of tracing: the traces running, the pacing
// of their probes and the bound on how many run at once.
type tracing struct {
	mu    sync.Mutex
	runs  map[HostID]*traceRun
	next  uint32
	slots chan struct{}

	paceMu   sync.Mutex
	nextSend time.Time

	inFlight sync.WaitGroup // rounds running
	waiting  atomic.Int32   // rounds registered, waiting for answers: the reader does not rest
}

// traceRun is one round in flight.
type traceRun struct {
	mu      sync.Mutex
	path    *Path
	pending map[uint64]traceProbe // by seq
	left    int                   // probes sent and not yet answered
	sending bool                  // more probes may follow
	done    chan struct{}         // closed once every probe is answered
}

type traceProbe struct {
	ttl   int
	token uint64
	sent  time.Time
}

// ErrNotRunning is returned by Trace before Run.
var ErrNotRunning = errors.New("probe: the engine is not running")

// Trace runs rounds rounds of a trace toward addr and returns the path.
// Each round sends one probe per TTL, up to the destination once it is
// known. It waits for a free trace slot first (MaxTraces) and honours ctx:
// cancelled, it returns what it has with ctx's error.
func (e *Engine) Trace(ctx context.Context, addr netip.Addr, rounds int, opts TraceOptions) (*Path, error) {
	p := &Path{Dest: addr.Unmap()}
	actx := ctx
	if !opts.StartBy.IsZero() {
		var cancel context.CancelFunc
		actx, cancel = context.WithDeadline(ctx, opts.StartBy)
		defer cancel()
	}
	if err := e.acquireTrace(actx); err != nil {
		if ctx.Err() == nil {
			err = ErrTraceBusy
		}
		return p, err
	}
	defer e.releaseTrace()
	for range max(rounds, 1) {
		if err := e.TraceRound(ctx, p, opts); err != nil {
			return p, err
		}
	}
	return p, nil
}

// acquireTrace waits for one of the MaxTraces slots.
func (e *Engine) acquireTrace(ctx context.Context) error {
	e.tracing.mu.Lock()
	if e.tracing.slots == nil {
		e.tracing.slots = make(chan struct{}, MaxTraces)
	}
	slots := e.tracing.slots
	e.tracing.mu.Unlock()
	select {
	case slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (e *Engine) releaseTrace() { <-e.tracing.slots }

// TraceTarget is the address a trace toward host id goes to: its address
// when it is an ICMP host whose name (if any) has resolved.
func (e *Engine) TraceTarget(id HostID) (netip.Addr, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := e.lookupLocked(id)
	if s == nil || e.opts.Prober != nil || s.spec.Target.Kind != KindICMP || !s.addr.IsValid() {
		return netip.Addr{}, false
	}
	return s.addr, true
}

// TraceTargets lists the ICMP hosts and their addresses, as TraceTarget.
func (e *Engine) TraceTargets() map[HostID]netip.Addr {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make(map[HostID]netip.Addr, e.nhosts)
	if e.opts.Prober != nil {
		return out
	}
	e.slotsLocked(func(id HostID, s *slot) {
		if s.spec.Target.Kind == KindICMP && s.addr.IsValid() {
			out[id] = s.addr
		}
	})
	return out
}

// TraceRound sends one round of a trace toward p.Dest and adds what came
// back to p: the caller of a live trace (the UI) calls it once a refresh.
// It does not take a trace slot; Trace does.
func (e *Engine) TraceRound(ctx context.Context, p *Path, opts TraceOptions) error {
	opts = opts.withDefaults()
	e.mu.Lock()
	engCtx := e.ctx
	running := e.started && e.ctx.Err() == nil
	if running {
		// Run closes the sockets only once every round has ended.
		e.tracing.inFlight.Add(1)
	}
	e.mu.Unlock()
	if !running {
		return ErrNotRunning
	}
	defer e.tracing.inFlight.Done()
	// The round ends when the engine stops, whatever the caller's ctx.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(engCtx, cancel)()
	sock, sockErr := e.v4, e.v4err
	if p.Dest.Is6() {
		sock, sockErr = e.v6, e.v6err
	}
	if sock == nil {
		if sockErr == nil {
			sockErr = errors.New("no ICMP socket")
		}
		return fmt.Errorf("trace %s: %w", p.Dest, sockErr)
	}

	run := &traceRun{path: p, pending: map[uint64]traceProbe{}, sending: true, done: make(chan struct{})}
	id := e.tracing.register(run)
	defer e.tracing.unregister(id)
	p.Rounds++
	round := uint64(p.Rounds)
	var pkt [echoLen]byte
	lastSend := time.Now()
	for ttl := 1; ; ttl++ {
		run.mu.Lock()
		stop := ttl > p.limit(opts.MaxHops)
		run.mu.Unlock()
		if stop {
			break
		}
		if err := e.tracing.pace(ctx); err != nil {
			return err
		}
		seq := round<<8 | uint64(ttl)
		token := e.tokenLocked()
		b := sock.echoRequest(&pkt, seq, id, token)
		run.mu.Lock()
		lastSend = time.Now()
		run.pending[seq] = traceProbe{ttl: ttl, token: token, sent: lastSend}
		run.left++
		p.hop(ttl).Sent++
		run.mu.Unlock()
		e.traceSent.Add(1)
		if err := sock.sendTTL(b, p.Dest, ttl); err != nil {
			run.mu.Lock()
			delete(run.pending, seq)
			run.left--
			run.mu.Unlock()
			return fmt.Errorf("trace %s: send: %w", p.Dest, err)
		}
	}
	e.rest.set(0) // a reader resting since before this round reads its answers as they come
	wait := time.NewTimer(time.Until(lastSend.Add(opts.Timeout)))
	defer wait.Stop()
	run.mu.Lock()
	run.sending = false
	all := run.left == 0
	run.mu.Unlock()
	if !all {
		select {
		case <-run.done:
		case <-wait.C:
		case <-ctx.Done():
		}
	}
	run.mu.Lock()
	run.pending = nil
	run.mu.Unlock()
	return ctx.Err()
}

// tokenLocked draws a random token; the engine's generator is not safe for
// concurrent use.
func (e *Engine) tokenLocked() uint64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.rng.Uint64()
}

// register gives run a trace host ID.
func (t *tracing) register(run *traceRun) HostID {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.runs == nil {
		t.runs = map[HostID]*traceRun{}
	}
	for {
		t.next++
		id := traceBit | HostID(t.next&^uint32(traceBit))
		if t.runs[id] == nil {
			t.runs[id] = run
			t.waiting.Add(1)
			return id
		}
	}
}

func (t *tracing) unregister(id HostID) {
	t.mu.Lock()
	delete(t.runs, id)
	t.waiting.Add(-1)
	t.mu.Unlock()
}

// pace waits for the next free send time: TraceRate probes a second in
// all, however many traces run.
func (t *tracing) pace(ctx context.Context) error {
	t.paceMu.Lock()
	now := time.Now()
	at := t.nextSend
	if at.Before(now) {
		at = now
	}
	t.nextSend = at.Add(time.Second / TraceRate)
	t.paceMu.Unlock()
	d := time.Until(at)
	if d <= 0 {
		return ctx.Err()
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// deliver hands an answer to a trace probe to its round; false when no
// round waits for it.
func (t *tracing) deliver(r reply) bool {
	t.mu.Lock()
	run := t.runs[r.id]
	t.mu.Unlock()
	if run == nil {
		return false
	}
	run.mu.Lock()
	defer run.mu.Unlock()
	pr, ok := run.pending[r.seq]
	if !ok || pr.token != r.token || uint16(r.seq) != r.seq16 {
		return false
	}
	p := run.path
	switch {
	case r.err == nil && r.from != p.Dest:
		return false // an echo reply from someone else
	case r.err != nil && r.dst != p.Dest:
		return false
	}
	delete(run.pending, r.seq)
	if run.left--; run.left == 0 && !run.sending {
		close(run.done)
	}
	switch {
	case r.err == nil:
		if p.DestTTL == 0 || pr.ttl < p.DestTTL {
			p.DestTTL = pr.ttl
		}
	case !r.err.TimeExceeded():
		if p.stopTTL == 0 || pr.ttl < p.stopTTL {
			p.stopTTL = pr.ttl
		}
	}
	if pr.ttl > p.limit(255) {
		return true // past the end: the path is already known to stop sooner
	}
	h := p.hop(pr.ttl)
	rtt := max(r.at.Sub(pr.sent), 0)
	h.Addr = r.from
	if r.err != nil && !r.err.TimeExceeded() {
		h.Err = r.err
	}
	h.Received++
	h.Last = rtt
	h.Sum += rtt
	if h.Best == 0 || rtt < h.Best {
		h.Best = rtt
	}
	h.Worst = max(h.Worst, rtt)
	return true
}

// Clone is a copy of p that shares nothing with it: a live trace's rounds
// run on a copy while the UI draws the last one.
func (p *Path) Clone() *Path {
	c := *p
	c.Hops = append([]Hop(nil), p.Hops...)
	return &c
}
