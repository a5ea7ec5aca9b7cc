package main

import (
	"context"
	"errors"
	"log/slog"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"downtime/monitor"
	"downtime/probe"
	"downtime/store"
)

// The path tracer's bounds (issue 14): a DOWN waits at most pathWait for
// its trace, and a trace that could not start within pathStartBy of the
// DOWN is not started at all, so that it would finish in time.
const (
	pathWait    = 2 * time.Second
	pathStartBy = 700 * time.Millisecond
	// downTimeout is how long a trace at DOWN waits for answers after its
	// last send: routers answer in milliseconds, and the DOWN waits too.
	downTimeout = 500 * time.Millisecond
	// goodTimeout is the same for the traces of good paths, which nobody
	// waits for.
	goodTimeout = time.Second
	// goodPathEvery is how often each UP host's path is traced again, the
	// hosts spread over it, so a DOWN can say how far the path used to go.
	goodPathEvery = time.Hour
	// goodPathGap is the least pause between two traces of good paths: the
	// keeper leaves the engine's trace budget to the DOWNs.
	goodPathGap = 50 * time.Millisecond
	// parentGrace is how long the trace of a host with a parent waits for
	// news of that parent: in a storm the parent's DOWN may come a little
	// after its children's, and its trace is the one worth a slot.
	parentGrace = 300 * time.Millisecond
)

// pathEngine is the part of the engine the path tracer uses.
type pathEngine interface {
	Trace(ctx context.Context, addr netip.Addr, rounds int, opts probe.TraceOptions) (*probe.Path, error)
	TraceTarget(id probe.HostID) (netip.Addr, bool)
	TraceTargets() map[probe.HostID]netip.Addr
}

// goodPathStore keeps good paths in the state file.
type goodPathStore interface {
	SaveGoodPath(name string, p store.GoodPath) error
}

// pathTracer sits between the monitor's transitions and their sinks (log,
// alerts, UI): it traces the path to a host that goes DOWN and passes the
// DOWN on with where its path now ends, at most pathWait late. Transitions
// keep their order. It also keeps each host's last good path.
type pathTracer struct {
	eng pathEngine
	log *slog.Logger

	wait, startBy, parentGrace time.Duration
	goodEvery, goodGap         time.Duration // goodPathEvery and goodPathGap

	// store keeps good paths across restarts, nil with --no-state; names
	// maps the IDs of the hosts monitored to their names, which key it.
	store goodPathStore
	names func(ctx context.Context) (map[probe.HostID]string, error)

	mu      sync.Mutex
	good    map[probe.HostID]int      // the hop each host answered at when last traced up
	saved   map[string]store.GoodPath // what the store holds, by name: good paths of earlier runs until traced again
	down    map[string]bool           // hosts DOWN now, by name (a host whose parent is down is not traced)
	downIDs map[probe.HostID]bool     // the same by ID (their good path is not traced)

	traced atomic.Uint64 // traces started at DOWN
}

// setupPaths traces the path to each ICMP host: the last good one, kept
// by a service, and the one at DOWN, which a.paths adds to the transition
// (app.run). Demo and tcp:// hosts have no path.
func (a *app) setupPaths() error {
	if a.opts.demo || !needsICMP(a.cfg.Hosts) {
		return nil
	}
	a.paths = newPathTracer(a.engine, a.log)
	if a.store != nil {
		saved, err := a.store.GoodPaths()
		if err != nil {
			return err
		}
		a.paths.useStore(a.store, saved, a.runner.Names)
	}
	a.addService(a.paths.keepGoodPaths)
	return nil
}

func newPathTracer(eng pathEngine, log *slog.Logger) *pathTracer {
	return &pathTracer{eng: eng, log: log, wait: pathWait, startBy: pathStartBy, parentGrace: parentGrace,
		goodEvery: goodPathEvery, goodGap: goodPathGap,
		good: map[probe.HostID]int{}, saved: map[string]store.GoodPath{},
		down: map[string]bool{}, downIDs: map[probe.HostID]bool{}}
}

// useStore makes the tracer keep good paths in st: saved is what st holds
// (the good paths of earlier runs), names what keys them. Call it before
// relay and keepGoodPaths.
func (pt *pathTracer) useStore(st goodPathStore, saved map[string]store.GoodPath, names func(context.Context) (map[probe.HostID]string, error)) {
	pt.store, pt.names, pt.saved = st, names, saved
}

// pending is a transition on its way through the tracer.
type pendingTransition struct {
	t        monitor.Transition
	done     chan struct{} // nil: nothing to wait for
	deadline time.Time
	path     atomic.Pointer[monitor.PathEnd]
}

// relay passes every transition from in to deliver, in order, until in is
// closed. A DOWN that is traced waits for its trace or pathWait, whichever
// comes first; the transitions behind it wait with it.
func (pt *pathTracer) relay(ctx context.Context, in <-chan monitor.Transition, deliver func(monitor.Transition)) {
	var queue []*pendingTransition
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		for len(queue) > 0 {
			h := queue[0]
			if h.done != nil && time.Now().Before(h.deadline) {
				select {
				case <-h.done:
				default:
					goto wait
				}
			}
			if p := h.path.Load(); p != nil {
				h.t.Path = p
			}
			deliver(h.t)
			queue = queue[1:]
		}
	wait:
		var headDone <-chan struct{}
		var expire <-chan time.Time
		if len(queue) > 0 {
			headDone = queue[0].done
			timer.Reset(time.Until(queue[0].deadline))
			expire = timer.C
		}
		select {
		case t, ok := <-in:
			if !ok {
				// The monitor stopped: the traces end with ctx, or in time.
				for _, h := range queue {
					if h.done != nil {
						select {
						case <-h.done:
						case <-ctx.Done():
						case <-time.After(time.Until(h.deadline)):
						}
					}
					if p := h.path.Load(); p != nil {
						h.t.Path = p
					}
					deliver(h.t)
				}
				return
			}
			queue = append(queue, pt.admit(ctx, t))
		case <-headDone:
		case <-expire:
		}
		if expire != nil && !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
	}
}

// admit starts the trace of a host that went DOWN, when it is worth one.
func (pt *pathTracer) admit(ctx context.Context, t monitor.Transition) *pendingTransition {
	p := &pendingTransition{t: t}
	pt.mu.Lock()
	switch {
	case t.To == monitor.Down:
		pt.down[t.Host], pt.downIDs[t.ID] = true, true
	case t.Notice == monitor.NoNotice && t.To == monitor.Up, t.Notice == monitor.NoticeRemoved:
		delete(pt.down, t.Host)
		delete(pt.downIDs, t.ID)
	}
	behindDown := t.Parent != "" && pt.down[t.Parent]
	usedTo := pt.good[t.ID]
	earlier, wasSaved := pt.saved[t.Host]
	pt.mu.Unlock()
	if t.To != monitor.Down || t.Restored || t.Notice != monitor.NoNotice || behindDown {
		return p
	}
	addr, ok := pt.eng.TraceTarget(t.ID)
	if !ok {
		return p // not an ICMP host, or not resolved
	}
	if usedTo == 0 && wasSaved && earlier.Addr == addr {
		// Not traced up since the start: the good path of an earlier run,
		// if it led to the same address.
		usedTo = earlier.Hop
	}
	if usedTo == 1 {
		// The host answered at the first hop: no router lies between, and
		// a trace would only repeat the probes' silence, a second later.
		return p
	}
	now := time.Now()
	p.done = make(chan struct{})
	p.deadline = now.Add(pt.wait)
	go func() {
		defer close(p.done)
		if t.Parent != "" {
			select {
			case <-time.After(pt.parentGrace):
			case <-ctx.Done():
				return
			}
			pt.mu.Lock()
			behindDown := pt.down[t.Parent]
			pt.mu.Unlock()
			if behindDown {
				return
			}
		}
		// Waiting for a trace slot ends at startBy: a trace started later
		// would not finish before the DOWN goes without it.
		runCtx, cancel := context.WithDeadline(ctx, p.deadline)
		defer cancel()
		opts := probe.TraceOptions{Timeout: downTimeout, StartBy: now.Add(pt.startBy)}
		if usedTo > 0 {
			// A few hops past where the host used to be are enough, and
			// leave the probe budget to the other traces of a storm.
			opts.MaxHops = usedTo + 4
		}
		path, err := pt.eng.Trace(runCtx, addr, 1, opts)
		if err != nil {
			return
		}
		pt.traced.Add(1)
		hop, end := path.End()
		pe := &monitor.PathEnd{Hop: hop, UsedTo: usedTo}
		if end.IsValid() {
			pe.Addr, pe.Local = end.String(), probe.IsLocal(end)
		}
		p.path.Store(pe)
	}()
	return p
}

// keepGoodPaths traces every ICMP host that is not DOWN, at start and then
// again and again, each host about every goodPathEvery, one at a time and
// at least goodPathGap apart, and remembers how far each path went, until
// ctx ends. At start a host an earlier run traced within goodPathEvery, at
// the same address, keeps that path until the next pass. With a store it
// saves a good path when it differs from the saved one: here, never on the
// alert path.
func (pt *pathTracer) keepGoodPaths(ctx context.Context) error {
	gap := pt.goodGap
	var waited time.Duration // for the runner to add the hosts
	for pass := 1; ; pass++ {
		targets := pt.eng.TraceTargets()
		var names map[probe.HostID]string
		if pt.store != nil && len(targets) > 0 {
			var err error
			if names, err = pt.names(ctx); err != nil {
				if ctx.Err() != nil {
					return nil
				}
				// Trace anyway: the paths are not saved this pass.
				pt.log.Warn("good paths not saved", "err", err)
			}
		}
		reached, fresh := 0, 0
		for id, addr := range targets {
			pt.mu.Lock()
			down := pt.downIDs[id]
			saved, ok := pt.saved[names[id]]
			pt.mu.Unlock()
			if pass == 1 && ok && saved.Addr == addr && time.Since(saved.Traced) < pt.goodEvery {
				// Traced by an earlier run within the period: its turn
				// comes in the next pass, not in a burst at every start.
				pt.mu.Lock()
				pt.good[id] = saved.Hop
				pt.mu.Unlock()
				fresh++
				continue
			}
			if !down {
				path, err := pt.eng.Trace(ctx, addr, 1, probe.TraceOptions{Timeout: goodTimeout})
				for errors.Is(err, probe.ErrNotRunning) && ctx.Err() == nil {
					// Started beside the engine: wait for it.
					time.Sleep(10 * time.Millisecond)
					path, err = pt.eng.Trace(ctx, addr, 1, probe.TraceOptions{Timeout: goodTimeout})
				}
				if ctx.Err() != nil {
					return nil
				}
				if err == nil && path.Reached() {
					reached++
					pt.remember(id, names[id], store.GoodPath{Addr: addr, Hop: path.DestTTL, Traced: time.Now()})
				}
			}
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(gap):
			}
		}
		if pass == 1 && len(targets) == 0 && waited < time.Minute {
			// Started beside the runner, which may not have added the
			// hosts yet: look again soon rather than in a minute.
			pass--
			waited += time.Second
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(time.Second):
			}
			continue
		}
		if pass == 1 {
			pt.log.Info("paths traced", "hosts", len(targets), "reached", reached, "saved_recently", fresh)
		}
		// After the first pass, the hosts are spread over the hour, from
		// one gap after it.
		gap = max(pt.goodGap, pt.goodEvery/time.Duration(max(len(targets), 1)))
		if pass == 1 && len(targets) > 0 {
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(gap):
			}
		}
		if len(targets) == 0 {
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(time.Minute): // hosts may be added
			}
		}
	}
}

// remember notes the good path g of host id, named name ("" when not
// known), and saves it when the store holds another hop or address for the
// name: an hourly retrace that finds the same path writes nothing.
func (pt *pathTracer) remember(id probe.HostID, name string, g store.GoodPath) {
	pt.mu.Lock()
	pt.good[id] = g.Hop
	was, ok := pt.saved[name]
	pt.mu.Unlock()
	if pt.store == nil || name == "" || ok && was.Hop == g.Hop && was.Addr == g.Addr {
		return
	}
	if err := pt.store.SaveGoodPath(name, g); err != nil {
		// Not marked saved: the next pass tries again.
		pt.log.Warn("good path not saved", "host", name, "err", err)
		return
	}
	pt.mu.Lock()
	pt.saved[name] = g
	pt.mu.Unlock()
}
