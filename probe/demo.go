package probe

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"net/netip"
	"time"
)

// DemoProber simulates hosts for --demo: no network, no privileges. Every
// target gets a stable personality (latency, jitter, loss, outages) from a
// hash of its string and the seed, and every probe's outcome is a function of
// the seed, the target and the injected clock, so tests can predict it.
// It keeps no per-target state and is safe for concurrent use.
type DemoProber struct {
	seed  uint64
	now   func() time.Time
	start time.Time           // the run's start, for the roles' scripts
	roles map[string]DemoRole // by Target.String(); read-only once probing

	// Sleep waits d or until ctx ends, returning ctx.Err() in that case.
	// Tests replace it so that simulated round trips take no real time; set
	// it before the first Probe.
	Sleep func(ctx context.Context, d time.Duration) error
}

var _ Prober = (*DemoProber)(nil)

// NewDemo returns a DemoProber whose simulation is driven by seed and now
// (time.Now when nil).
func NewDemo(seed int64, now func() time.Time) *DemoProber {
	if now == nil {
		now = time.Now
	}
	return &DemoProber{seed: demoMix64(uint64(seed)), now: now, start: now(), Sleep: demoSleep}
}

// DemoRole scripts one demo target from the start of the run, so that the
// first minute of --demo shows every kind of row: one host down with its
// timer ticking, one flapping, one lossy, one slow, one recovering.
type DemoRole uint8

// The demo roles.
const (
	DemoRandom     DemoRole = iota // the hashed personality, outages and all (a target the user named)
	DemoSteady                     // a LAN host: under 2 ms, little loss, no outages
	DemoFar                        // a WAN host: 15–90 ms, little loss, no outages
	DemoDown                       // down from the start of the run
	DemoFlapping                   // down demoFlapDown of every demoFlapCycle, the first time demoFlapFirst in
	DemoLossy                      // loses demoLossyShare of its replies
	DemoSlow                       // far away: about 200 ms, and now and then a reply several times slower
	DemoRecovering                 // down from the start, up for good after demoRecoverAfter
)

// The roles' scripts.
const (
	demoFlapCycle    = 40 * time.Second
	demoFlapDown     = 10 * time.Second
	demoFlapFirst    = 15 * time.Second
	demoLossyShare   = 0.12 // three in a row (DOWN) about once in ten minutes
	demoSlowBase     = 180 * time.Millisecond
	demoSlowSpike    = 0.04 // share of a slow host's replies that take demoSlowSpikeX as long
	demoSlowSpikeX   = 3.5
	demoRecoverAfter = 45 * time.Second
)

// SetRoles scripts the targets named in roles (by Target.String()); the
// others keep DemoRandom. Call it before the first Probe.
func (d *DemoProber) SetRoles(roles map[string]DemoRole) { d.roles = roles }

// errDemoUnreachable is the failure of a probe sent during a simulated outage.
var errDemoUnreachable = errors.New("demo: host unreachable")

// demoDefaultTimeout bounds the wait for a lost reply when ctx has no
// deadline; it is the config's default timeout.
const demoDefaultTimeout = time.Second

// Probe waits the simulated round-trip time of t at the injected clock's now
// and returns it, or fails as a real probe would: a lost reply or an outage
// shows only when the deadline passes.
func (d *DemoProber) Probe(ctx context.Context, t Target, _ netip.Addr) (time.Duration, error) {
	at := d.now()
	h := d.host(t)
	// The simulation runs on the injected clock, but ctx's deadline is real
	// time, so the budget is measured with the real clock.
	budget := demoDefaultTimeout
	if dl, ok := ctx.Deadline(); ok {
		budget = time.Until(dl)
	}

	// Each probe draws from a stream seeded by its send time, so its outcome
	// depends on nothing but the seed, the target and the clock.
	r := h.rand(demoTagProbe, uint64(at.UnixNano()))
	lost := r.float() < h.loss
	rtt := h.rtt(at, &r)
	if h.role == DemoSlow && r.float() < demoSlowSpike {
		rtt = time.Duration(float64(rtt) * demoSlowSpikeX)
	}

	switch {
	case h.downAt(at):
		return 0, d.waitOut(ctx, budget, errDemoUnreachable)
	case lost, rtt >= budget:
		return 0, d.waitOut(ctx, budget, fmt.Errorf("demo: %w", ErrTimeout))
	}
	if err := d.Sleep(ctx, rtt); err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return 0, fmt.Errorf("demo: %w", ErrTimeout)
		}
		return 0, err
	}
	return rtt, nil
}

// waitOut waits out the budget, as a caller waits for a reply that never
// comes, then fails with lossErr; a cancel ends the wait early.
func (d *DemoProber) waitOut(ctx context.Context, budget time.Duration, lossErr error) error {
	if err := d.Sleep(ctx, budget); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return lossErr
}

// StateAt reports whether t is in a simulated outage at the given time.
// Probe fails with "demo: host unreachable" exactly when it is.
func (d *DemoProber) StateAt(t Target, at time.Time) (down bool) {
	h := d.host(t)
	return h.downAt(at)
}

// demoSleep waits d on a timer, or until ctx ends.
func demoSleep(ctx context.Context, d time.Duration) error {
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

// Outage schedule bounds. Outages fall inside fixed-length cycles, at least
// demoOutageGap from either end, so two never merge into a longer one.
const (
	demoFlakyShare   = 0.15 // hosts that have outages at all
	demoOutageChance = 0.7  // cycles of a flaky host that have one
	demoCycleMin     = 5 * time.Minute
	demoCycleMax     = 12 * time.Minute
	demoOutageMin    = 20 * time.Second
	demoOutageMax    = 3 * time.Minute
	demoOutageGap    = 30 * time.Second
	demoJitterCap    = 5.0 // in jitters; keeps the worst RTT under the default 1 s timeout
)

// Tags keep the random streams of one host apart.
const (
	demoTagPersonality uint64 = iota + 1
	demoTagProbe
	demoTagCycle
)

// demoHost is the personality of one simulated target.
type demoHost struct {
	key         uint64
	base        time.Duration // the path's floor latency
	jitter      time.Duration // mean queueing delay on top of base
	drift       float64       // slow swing of base, as a fraction of it
	driftPeriod time.Duration
	driftPhase  float64       // radians
	loss        float64       // chance that one reply is lost
	cycle       time.Duration // outage cycle; 0 means the host never goes down
	cyclePhase  time.Duration // so flaky hosts do not cycle in step
	role        DemoRole
	start       time.Time // the run's start
}

// host derives t's personality; it is cheap enough to redo on every probe,
// which spares a map that would grow with every target ever probed.
func (d *DemoProber) host(t Target) demoHost {
	f := fnv.New64a()
	f.Write([]byte(t.String()))
	h := demoHost{key: demoMix64(f.Sum64() ^ d.seed)}
	r := h.rand(demoTagPersonality, 0)

	// Mostly LAN, a good share of WAN, a few far away.
	switch c := r.float(); {
	case c < 0.60:
		h.base = r.duration(200*time.Microsecond, 2*time.Millisecond)
	case c < 0.92:
		h.base = r.duration(10*time.Millisecond, 80*time.Millisecond)
	default:
		h.base = r.duration(150*time.Millisecond, 300*time.Millisecond)
	}
	h.jitter = time.Duration(float64(h.base) * r.between(0.02, 0.3))
	h.drift = r.between(0, 0.15)
	h.driftPeriod = r.duration(time.Minute, 10*time.Minute)
	h.driftPhase = r.between(0, 2*math.Pi)
	// Squared so that most hosts lose little and a few approach 5%.
	u := r.float()
	h.loss = 0.05 * u * u

	if r.float() < demoFlakyShare {
		h.cycle = r.duration(demoCycleMin, demoCycleMax)
		h.cyclePhase = r.duration(0, h.cycle)
	}
	h.role, h.start = d.roles[t.String()], d.start
	if h.role != DemoRandom {
		h.cycle = 0 // a scripted host goes down only as its script says
	}
	switch h.role {
	case DemoRandom:
	case DemoSlow:
		h.base, h.jitter, h.loss = demoSlowBase, demoSlowBase/8, 0.005
	default: // a LAN host, or a WAN one, with little loss unless lossy
		lo, hi := 200*time.Microsecond, 2*time.Millisecond
		if h.role == DemoFar {
			lo, hi = 15*time.Millisecond, 90*time.Millisecond
		}
		r := h.rand(demoTagPersonality, 1)
		h.base = r.duration(lo, hi)
		h.jitter = time.Duration(float64(h.base) * r.between(0.02, 0.2))
		h.loss = min(h.loss, 0.005)
		if h.role == DemoLossy {
			h.loss = demoLossyShare
		}
	}
	return h
}

// rtt draws one round-trip time at the given moment: the floor with its slow
// drift plus an exponentially distributed queueing delay, which gives the
// right-skewed shape of real latencies.
func (h *demoHost) rtt(at time.Time, r *demoRand) time.Duration {
	pos := float64(at.UnixNano()%int64(h.driftPeriod)) / float64(h.driftPeriod)
	floor := float64(h.base) * (1 + h.drift*math.Sin(2*math.Pi*pos+h.driftPhase))
	q := math.Min(-math.Log(1-r.float()), demoJitterCap)
	return time.Duration(floor + float64(h.jitter)*q)
}

// downAt reports whether the host is in an outage at the given moment.
func (h *demoHost) downAt(at time.Time) bool {
	since := at.Sub(h.start)
	switch h.role {
	case DemoDown:
		return true
	case DemoRecovering:
		return since < demoRecoverAfter
	case DemoFlapping:
		off := (since - demoFlapFirst) % demoFlapCycle
		return since >= demoFlapFirst && off < demoFlapDown
	}
	if h.cycle == 0 {
		return false
	}
	t := at.UnixNano() + int64(h.cyclePhase)
	k := t / int64(h.cycle)
	if t < 0 && t%int64(h.cycle) != 0 {
		k-- // floor, not truncation, before 1970
	}
	off := time.Duration(t - k*int64(h.cycle))
	start, length, ok := h.outageIn(k)
	return ok && off >= start && off < start+length
}

// outageIn returns where in cycle k the host's outage starts and how long it
// lasts, or false when that cycle has none.
func (h *demoHost) outageIn(k int64) (start, length time.Duration, ok bool) {
	r := h.rand(demoTagCycle, uint64(k))
	if r.float() >= demoOutageChance {
		return 0, 0, false
	}
	length = r.duration(demoOutageMin, demoOutageMax)
	start = r.duration(demoOutageGap, h.cycle-length-demoOutageGap)
	return start, length, true
}

// rand returns the host's random stream for one purpose and one input.
func (h *demoHost) rand(tag, x uint64) demoRand {
	return demoRand{s: demoMix64(h.key ^ demoMix64(x^tag<<56))}
}

// demoRand is splitmix64: tiny, fast and, unlike math/rand's helpers,
// guaranteed to give the same numbers in every Go release, which keeps demo
// screenshots stable.
type demoRand struct{ s uint64 }

func (r *demoRand) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	return demoMix64(r.s)
}

// float returns a number in [0, 1).
func (r *demoRand) float() float64 { return float64(r.next()>>11) / (1 << 53) }

// between returns a number in [lo, hi).
func (r *demoRand) between(lo, hi float64) float64 { return lo + (hi-lo)*r.float() }

// duration returns a duration in [lo, hi).
func (r *demoRand) duration(lo, hi time.Duration) time.Duration {
	return time.Duration(r.between(float64(lo), float64(hi)))
}

// demoMix64 is splitmix64's finaliser: it spreads every input bit over the output.
func demoMix64(x uint64) uint64 {
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}
