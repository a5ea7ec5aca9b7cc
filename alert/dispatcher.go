package alert

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"time"

	"downtime/config"
	"downtime/monitor"
)

// Options configure a Dispatcher. The zero value of each field has a
// meaning: no reminders, no grouping, alerts to the log, state in memory.
type Options struct {
	// GroupWindow: transitions this close together go out as one message.
	GroupWindow time.Duration
	// Reminders returns the reminder schedule (outage ages) of a host that
	// Hosts does not list or lists with nil Reminders (hosts added at
	// runtime: the defaults); empty means none, and so does a nil func.
	Reminders func(host string) []time.Duration
	// Hosts are the configured hosts: each one's Reminders (nil: those of
	// the Reminders func; empty: none) and Parent. SetHosts replaces them
	// after a reload. Hosts it does not list take their parent from their
	// transitions. The dispatcher keeps pointers to them (no copy): they
	// must not change afterwards.
	Hosts []config.Host
	// Notifier delivers the messages; nil writes them to Log (Telegram off).
	Notifier Notifier
	// Store keeps the outbox and the outages' alert state; nil keeps them
	// in memory (--no-state): nothing then survives a restart.
	Store Store
	// Log gets "alert sent", "alert delivery failed", and the alerts
	// themselves when Notifier is nil.
	Log *slog.Logger
	// Clock: nil is the wall clock.
	Clock Clock
	// Location is the time zone of the times in messages ([alerts]
	// timezone); nil is UTC. The program passes the machine's zone unless
	// the config names one.
	Location *time.Location
	// Open lists the outages the monitor has open at start-up (restored,
	// or paused while down), by host, with their DownSince; OutageEnd
	// tells when a saved outage ended (from the store's history). With
	// them a recovery that was still in a group window when the process
	// died is sent after the restart. Both may be nil.
	Open      map[string]time.Time
	OutageEnd func(host string, start time.Time) (end time.Time, ok bool)
	// Maintenance are the [[maintenance]] windows: their hosts are muted
	// while one is under way.
	Maintenance []config.Maintenance
}

// Dispatcher turns the monitor's transitions into messages and delivers
// them. Transition only queues (it never blocks and never waits on the
// UI); Run does the rest in two goroutines: the planner's and the outbox's.
type Dispatcher struct {
	clock Clock
	log   *slog.Logger
	store Store
	plan  *planner // Run's goroutine only
	out   *outbox

	mu    sync.Mutex
	inbox []input
	wake  chan struct{}

	silence silenceState // acks and mutes (actions.go)
}

// input is one item of the dispatcher's inbox: a transition, or (hosts
// set) a new host set.
type input struct {
	t     monitor.Transition
	hosts []config.Host
	set   bool
	act   *action // an ack, mute or unmute (actions.go)
}

// New builds a Dispatcher and loads what the store kept: the outages'
// alert state and the messages not yet delivered.
func New(o Options) (*Dispatcher, error) {
	d := &Dispatcher{clock: o.Clock, log: o.Log, store: o.Store, wake: make(chan struct{}, 1)}
	if d.clock == nil {
		d.clock = realClock{}
	}
	if d.log == nil {
		d.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if d.store == nil {
		d.store = NewMemStore()
	}
	n, toLog := o.Notifier, false
	if n == nil {
		n, toLog = logNotifier{d.log}, true
	}
	if err := n.Validate(); err != nil {
		return nil, err
	}
	out, err := newOutbox(d.store, n, d.clock, d.log, toLog, o.Location)
	if err != nil {
		return nil, err
	}
	out.setChecker(checkerOf(n))
	d.out = out
	d.plan = newPlanner(o.GroupWindow, o.Reminders)
	if o.Location != nil {
		d.plan.loc = o.Location
	}
	d.plan.maint = o.Maintenance
	d.plan.setHosts(o.Hosts, d.now())
	saved, err := d.store.HostAlerts()
	if err != nil {
		return nil, fmt.Errorf("read the alert state: %w", err)
	}
	d.plan.load(saved, o.Open, o.OutageEnd, d.now())
	if err := d.loadSilences(o.Open); err != nil {
		return nil, err
	}
	return d, nil
}

// Transition queues a transition or notice from the monitor. It returns at
// once, whatever the state of Telegram, and never drops one.
func (d *Dispatcher) Transition(t monitor.Transition) { d.push(input{t: t}) }

// SetHosts gives the dispatcher the configured hosts after a reload (see
// Options.Hosts): their reminder schedules and parents from now on. Hosts
// added at runtime, which a config does not list, keep theirs. An open
// outage keeps the reminder steps already sent; a host whose new parent no
// longer covers it is on its own. It returns at once and takes effect in
// order with the transitions queued before it. Safe for concurrent use.
func (d *Dispatcher) SetHosts(hosts []config.Host) {
	d.push(input{hosts: slices.Clone(hosts), set: true})
}

// push queues in and wakes Run.
func (d *Dispatcher) push(in input) {
	d.mu.Lock()
	d.inbox = append(d.inbox, in)
	d.mu.Unlock()
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Status is the alert channel's state for the UI: off (no Telegram), ok,
// queued N, or failing with the reason and what kind of failure (see
// Health), and the last alerts with their delivery. Safe for concurrent
// use; it never blocks on the network.
func (d *Dispatcher) Status() Status { return d.out.status() }

// Sent is how many messages Telegram accepted since the start (for the
// metrics; alerts written to the log do not count).
func (d *Dispatcher) Sent() uint64 { s, _, _ := d.out.counts(); return s }

// Queued is how many messages wait in the outbox.
func (d *Dispatcher) Queued() int { _, q, _ := d.out.counts(); return q }

// Failed is how many tries failed since the start, each retried or, when
// refused for good, given up.
func (d *Dispatcher) Failed() uint64 { _, _, f := d.out.counts(); return f }

// Run plans and delivers until ctx ends. On the way out the open window is
// written to the outbox at once, so its news goes out after a restart
// rather than never; messages not yet delivered stay in the store.
func (d *Dispatcher) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		d.out.run(ctx)
	}()
	defer wg.Wait()

	for {
		now := d.now()
		d.step(now)
		var timer <-chan time.Time
		if next := d.plan.next(); !next.IsZero() {
			timer = d.clock.After(next.Sub(now))
		}
		select {
		case <-ctx.Done():
			now := d.now()
			d.drain(now)
			d.commit(d.plan.flushNow(now))
			return nil
		case <-d.wake:
		case <-timer:
		}
	}
}

// now is the clock's time as a wall-clock reading only: ages (reminders,
// lateness) are differences with the monitor's instants, which are wall
// clock, and a monotonic reading stops while a VM is paused.
// Location is the time zone of the times in messages; set at New, so safe
// for concurrent use.
func (d *Dispatcher) Location() *time.Location { return d.plan.loc }

func (d *Dispatcher) now() time.Time { return d.clock.Now().Round(0) }

// step takes the queued transitions, then whatever came due, and commits
// the messages and state changes.
func (d *Dispatcher) step(now time.Time) {
	d.drain(now)
	d.commit(d.plan.due(now))
}

// commit writes msgs to the outbox with the planner's state changes, in
// one transaction, then the silences.
func (d *Dispatcher) commit(msgs []Message) {
	save, drop := d.plan.changes()
	d.out.commit(msgs, save, drop)
	d.saveSilences()
}

// drain hands the queued transitions and host sets to the planner.
func (d *Dispatcher) drain(now time.Time) {
	d.mu.Lock()
	in := d.inbox
	d.inbox = nil
	d.mu.Unlock()
	for _, x := range in {
		if x.set {
			d.plan.setHosts(x.hosts, now)
			continue
		}
		if x.act != nil {
			d.act(x.act, now)
			continue
		}
		d.plan.observe(x.t, now)
	}
}
