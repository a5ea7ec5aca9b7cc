package monitor

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"downtime/config"
	"downtime/probe"
)

// ErrStopped is returned by a Runner command after Run has returned.
var ErrStopped = errors.New("monitor: runner stopped")

// RunnerOptions tune a Runner; the zero value is ready to use.
type RunnerOptions struct {
	// SnapshotEvery is the least time between two published snapshots
	// (default 100ms), so readers see at most ~10 a second whatever the
	// probe rate. A change a reader must see soon (a transition, a
	// command such as pause or add) is published that fast.
	SnapshotEvery time.Duration
	// RefreshEvery is the least time between two snapshots when only the
	// figures changed (RTTs, loss, samples): default 1s, on the second of
	// the wall clock, when the UI's timers tick too.
	RefreshEvery time.Duration
	// Ticks, when set, replaces the timer: a snapshot is published on
	// each tick if anything changed. Tests drive it by hand.
	Ticks <-chan time.Time
	// TransitionBuffer is the capacity of Transitions() (default 4096).
	TransitionBuffer int
	// OnResult, when set, sees every result the monitor takes (none for
	// paused or removed hosts) with the host's name and interval, in Run's
	// goroutine, before the monitor does. It must return at once: the
	// history aggregator hands its work on through a bounded channel.
	OnResult func(name string, interval time.Duration, r probe.Result)
}

// Runner owns a Monitor in one goroutine (Run): it feeds it probe results,
// delivers its transitions and snapshots, and executes commands from other
// goroutines (the UI) between two results, so the Monitor needs no lock.
type Runner struct {
	m    *Monitor
	eng  Engine
	opts RunnerOptions

	transitions chan Transition
	snapshots   chan Snapshot
	cmds        chan command
	stopped     chan struct{} // closed when Run returns

	running       atomic.Bool
	subscribed    atomic.Bool  // Snapshots was called: someone reads them
	published     atomic.Int64 // snapshots published, for tests
	wakes         atomic.Int64 // publish timer or tick wake-ups, for tests
	lastVersion   uint64       // Monitor version of the last published snapshot
	everPublished bool
	lastPublish   time.Time
	timer         *time.Timer  // the next publish; armed only while a change waits
	armedAt       time.Time    // when it fires; zero: not armed
	notices       []Transition // made by the command running now; sent after it
}

// command is a function run inside the Run goroutine; done is closed after.
type command struct {
	fn   func()
	done chan struct{}
}

// NewRunner prepares a Runner for m; eng is told which hosts to probe.
func NewRunner(m *Monitor, eng Engine, opts RunnerOptions) *Runner {
	if opts.SnapshotEvery <= 0 {
		opts.SnapshotEvery = 100 * time.Millisecond
	}
	if opts.RefreshEvery <= 0 {
		opts.RefreshEvery = time.Second
	}
	opts.RefreshEvery = max(opts.RefreshEvery, opts.SnapshotEvery)
	if opts.TransitionBuffer <= 0 {
		opts.TransitionBuffer = 4096
	}
	return &Runner{
		m:           m,
		eng:         eng,
		opts:        opts,
		transitions: make(chan Transition, opts.TransitionBuffer),
		snapshots:   make(chan Snapshot, 1),
		cmds:        make(chan command),
		stopped:     make(chan struct{}),
	}
}

// Transitions delivers every transition in order, restored outages first.
// None is ever dropped: when the buffer is full the Runner waits for the
// reader (the alert path, which must keep up). Closed when Run returns.
func (r *Runner) Transitions() <-chan Transition { return r.transitions }

// Snapshots delivers the latest snapshot, at most one per SnapshotEvery and
// only after a change; an unread snapshot is replaced by a newer one, so a
// slow reader (the UI) never slows the monitor. Closed when Run returns.
//
// Publishing starts with the first call: a Runner that nobody asked for
// snapshots (headless) builds none. At 4,000 hosts, building them ten times
// a second was a tenth of the whole program's CPU. Snapshot, the one-off
// call, works either way.
func (r *Runner) Snapshots() <-chan Snapshot {
	r.subscribed.Store(true)
	return r.snapshots
}

// Run feeds results to the monitor until ctx is cancelled, then returns nil.
// It first emits the restored outages and hands every unpaused host to the
// engine. If results is closed, Run keeps serving commands until ctx ends.
// Run may be called once.
func (r *Runner) Run(ctx context.Context, results <-chan probe.Result) error {
	if !r.running.CompareAndSwap(false, true) {
		return errors.New("monitor: Runner.Run called twice")
	}
	defer func() {
		close(r.stopped)
		close(r.transitions)
		close(r.snapshots)
	}()

	for _, t := range r.m.Restored() {
		if !r.emit(ctx, t) {
			return nil
		}
	}
	for _, s := range r.m.Specs() {
		r.eng.Add(s)
	}
	r.publishChanged() // readers get the host list at once, not a tick later

	// Without ticks, a timer is armed only while a change waits to be
	// published: nothing wakes up headless, nor with the UI while nothing
	// changes.
	ticks := r.opts.Ticks
	var timerC <-chan time.Time
	if ticks == nil {
		r.timer = time.NewTimer(time.Hour)
		r.timer.Stop()
		defer r.timer.Stop()
		timerC = r.timer.C
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case res, ok := <-results:
			if !ok {
				results = nil // a nil channel blocks: keep serving commands
				continue
			}
			urgent := false
			if !r.handle(ctx, res, &urgent) {
				return nil
			}
			// Results come in batches (the engine hands over a wake-up's
			// worth at once): take what is waiting with plain receives, far
			// cheaper than a select over every channel a result. A command
			// waits at most resultBurst results.
		burst:
			for range resultBurst {
				select {
				case res, ok := <-results:
					if !ok {
						results = nil
						break burst
					}
					if !r.handle(ctx, res, &urgent) {
						return nil
					}
				default:
					break burst
				}
			}
			r.changed(urgent)
		case c := <-r.cmds:
			before := r.m.version
			c.fn()
			close(c.done)
			// The caller (the UI) is released first: notices may wait for
			// room like transitions do, the UI must not.
			for _, t := range r.notices {
				if !r.emit(ctx, t) {
					return nil
				}
			}
			r.notices = r.notices[:0]
			// A command that changed the monitor (pause, add…) shows soon;
			// one that only read it (Snapshot) leaves the refresh as it was.
			r.changed(r.m.version != before)
		case <-ticks:
			r.wakes.Add(1)
			r.publishChanged()
		case <-timerC:
			r.wakes.Add(1)
			r.armedAt = time.Time{}
			r.publishChanged()
		}
	}
}

// resultBurst is how many waiting results Run handles in a row.
const resultBurst = 256

// handle feeds one result to the monitor and delivers the transition it
// makes, if any, noting it in urgent; false means ctx ended while waiting
// to deliver it.
func (r *Runner) handle(ctx context.Context, res probe.Result, urgent *bool) bool {
	if r.opts.OnResult != nil {
		if h := r.m.lookup(res.ID); h != nil && h.state != Paused {
			r.opts.OnResult(h.cfg.Name, h.cfg.Interval, res)
		}
	}
	if t, ok := r.m.Handle(res); ok {
		*urgent = true
		return r.emit(ctx, t)
	}
	return true
}

// emit delivers t, waiting for room rather than dropping it; it gives up
// only when ctx ends. The first attempt does not look at ctx, so a
// transition that fits is delivered even while shutting down.
func (r *Runner) emit(ctx context.Context, t Transition) bool {
	select {
	case r.transitions <- t:
		return true
	default:
	}
	select {
	case r.transitions <- t:
		return true
	case <-ctx.Done():
		return false
	}
}

// publishChanged publishes a snapshot when someone reads them and the
// monitor changed since the last one.
func (r *Runner) publishChanged() {
	if r.subscribed.Load() && (!r.everPublished || r.m.version != r.lastVersion) {
		r.publish()
	}
}

// changed arms the publish timer after the monitor may have changed:
// urgent changes (a transition, a command) go out SnapshotEvery after the
// last snapshot, the rest with the next RefreshEvery (see publishAt). With
// hand-driven ticks, or while nobody reads snapshots, it does nothing.
func (r *Runner) changed(urgent bool) {
	if r.timer == nil || !r.subscribed.Load() || (r.everPublished && r.m.version == r.lastVersion) {
		return
	}
	urgent = urgent || !r.everPublished
	if !r.armedAt.IsZero() && !urgent {
		return // armed already, at most a refresh away
	}
	now := time.Now()
	at := publishAt(r.lastPublish, now, urgent, r.opts.SnapshotEvery, r.opts.RefreshEvery)
	if !r.armedAt.IsZero() && !at.Before(r.armedAt) {
		return
	}
	r.armedAt = at
	r.timer.Reset(at.Sub(now))
}

// publishAt is when a change made at now is published, the last snapshot
// having gone out at last: an urgent one SnapshotEvery after it, any other
// on the next multiple of refresh on the wall clock (the next second, where
// the UI's clock ticks, so that both make one redraw).
func publishAt(last, now time.Time, urgent bool, every, refresh time.Duration) time.Time {
	if urgent {
		return maxTime(now, last.Add(every))
	}
	return maxTime(now, last.Add(every).Truncate(refresh).Add(refresh))
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// publish replaces any unread snapshot with a fresh one. Run is the only
// sender, so after the drain the send cannot block.
func (r *Runner) publish() {
	s := r.m.Snapshot()
	r.lastVersion, r.everPublished, r.lastPublish = r.m.version, true, time.Now()
	select {
	case <-r.snapshots:
	default:
	}
	r.snapshots <- s
	r.published.Add(1)
}

// call runs fn inside the Run goroutine and waits for it. If ctx ends after
// the command was taken, fn still runs but its outcome is not reported.
func (r *Runner) call(ctx context.Context, fn func()) error {
	if err := ctx.Err(); err != nil {
		return err // select would pick at random between a ready Run and a done ctx
	}
	c := command{fn: fn, done: make(chan struct{})}
	select {
	case r.cmds <- c:
	case <-ctx.Done():
		return ctx.Err()
	case <-r.stopped:
		return ErrStopped
	}
	select {
	case <-c.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Pause pauses a host and takes it out of the engine (see Monitor.Pause).
// Pausing a DOWN host sends a NoticePaused on Transitions.
func (r *Runner) Pause(ctx context.Context, id probe.HostID) error {
	var err error
	if cerr := r.call(ctx, func() { err = r.pauseOne(id) }); cerr != nil {
		return cerr
	}
	return err
}

// pauseOne runs inside Run.
func (r *Runner) pauseOne(id probe.HostID) error {
	h := r.m.lookup(id)
	wasDown := h != nil && h.state == Down
	changed, err := r.m.pause(id)
	if changed {
		r.eng.Remove(id)
		if wasDown {
			r.notices = append(r.notices, h.notice(NoticePaused, Down, r.m.now()))
		}
	}
	return err
}

// Resume resumes a paused host and gives it back to the engine. Resuming a
// host paused while DOWN sends a NoticeResumed on Transitions.
func (r *Runner) Resume(ctx context.Context, id probe.HostID) error {
	var err error
	if cerr := r.call(ctx, func() { err = r.resumeOne(id) }); cerr != nil {
		return cerr
	}
	return err
}

// resumeOne runs inside Run.
func (r *Runner) resumeOne(id probe.HostID) error {
	changed, err := r.m.resume(id)
	if changed {
		h := r.m.lookup(id)
		r.eng.Add(h.spec())
		if h.state == Down {
			r.notices = append(r.notices, h.notice(NoticeResumed, Paused, r.m.now()))
		}
	}
	return err
}

// PauseAll pauses every host (see Pause for the notices).
func (r *Runner) PauseAll(ctx context.Context) error {
	return r.call(ctx, func() {
		for _, h := range r.m.hosts {
			r.pauseOne(h.id) // cannot fail: the host exists
		}
	})
}

// ResumeAll resumes every paused host (see Resume for the notices).
func (r *Runner) ResumeAll(ctx context.Context) error {
	return r.call(ctx, func() {
		for _, h := range r.m.hosts {
			r.resumeOne(h.id) // cannot fail: the host exists
		}
	})
}

// Add starts monitoring h and probing it (see Monitor.Add).
func (r *Runner) Add(ctx context.Context, h config.Host) (probe.HostID, error) {
	var (
		id  probe.HostID
		err error
	)
	if cerr := r.call(ctx, func() {
		if id, err = r.m.Add(h); err == nil {
			r.eng.Add(r.m.lookup(id).spec())
		}
	}); cerr != nil {
		return 0, cerr
	}
	return id, err
}

// Remove stops monitoring a runtime host (see Monitor.Remove). Removing a
// host with an open outage sends a NoticeRemoved on Transitions.
func (r *Runner) Remove(ctx context.Context, id probe.HostID) error {
	var err error
	if cerr := r.call(ctx, func() {
		h := r.m.lookup(id)
		var notice Transition
		open := h != nil && h.hasOutage()
		if open {
			notice = h.notice(NoticeRemoved, h.state, r.m.now())
		}
		var probed bool
		if probed, err = r.m.remove(id); probed {
			r.eng.Remove(id)
		}
		if err == nil && open {
			r.notices = append(r.notices, notice)
		}
	}); cerr != nil {
		return cerr
	}
	return err
}

// Snapshot returns the current snapshot at once, outside the coalescing.
func (r *Runner) Snapshot(ctx context.Context) (Snapshot, error) {
	var s Snapshot
	if err := r.call(ctx, func() { s = r.m.Snapshot() }); err != nil {
		return Snapshot{}, err
	}
	return s, nil
}

// Within runs fn in Run's goroutine, between two results, and waits for
// it: what OnResult keeps (the history's open minutes) may be read there.
// fn must return at once; it must not call the Runner.
func (r *Runner) Within(ctx context.Context, fn func()) error { return r.call(ctx, fn) }

// Names maps the ID of every host monitored to its name. It builds no
// view of any host (a Snapshot builds one for each, and keeps them), so
// it is what a feature that only needs names asks for.
func (r *Runner) Names(ctx context.Context) (map[probe.HostID]string, error) {
	var names map[probe.HostID]string
	if err := r.call(ctx, func() {
		names = make(map[probe.HostID]string, len(r.m.hosts))
		for _, h := range r.m.hosts {
			names[h.id] = h.cfg.Name
		}
	}); err != nil {
		return nil, err
	}
	return names, nil
}
