package alert

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// ErrNotDown: an ack of a host that has no running outage.
var ErrNotDown = errors.New("no running outage")

// action is an ack, mute or unmute queued for the dispatcher's goroutine,
// which owns the planner; done gets the outcome once it is saved.
type action struct {
	kind  string // ack, mute, unmute
	host  string
	until time.Time
	by    string
	done  chan actionResult
}

type actionResult struct {
	ack   Ack
	ok    bool // ack: the host was down; unmute: it was muted
	fresh bool // ack: this action made it (not an earlier one)
}

// silenceState is the dispatcher's record of acks and mutes: the copy
// readers see, and the answers waiting for the save.
type silenceState struct {
	mu      sync.Mutex
	current Silences

	replies []func() // run once the change is saved (Run's goroutine only)
}

// Acknowledge acks host's running outage on behalf of by: no more
// reminders for it; its UP still comes. It waits for the dispatcher to
// take it (and save it): ErrNotDown when the host is not down. An outage
// acked before is not acked again: the first ack is returned, fresh=false.
func (d *Dispatcher) Acknowledge(ctx context.Context, host, by string) (a Ack, fresh bool, err error) {
	r, err := d.do(ctx, &action{kind: "ack", host: host, by: by})
	if err != nil {
		return Ack{}, false, err
	}
	if !r.ok {
		return Ack{}, false, ErrNotDown
	}
	return r.ack, r.fresh, nil
}

// Mute silences m.Host (or every host: MuteAll) until m.Until.
func (d *Dispatcher) Mute(ctx context.Context, m Mute) error {
	_, err := d.do(ctx, &action{kind: "mute", host: m.Host, until: m.Until, by: m.By})
	return err
}

// Unmute ends host's mute (MuteAll: every mute) and reports whether there
// was one.
func (d *Dispatcher) Unmute(ctx context.Context, host, by string) (bool, error) {
	r, err := d.do(ctx, &action{kind: "unmute", host: host, by: by})
	return r.ok, err
}

// Silences returns the mutes and acks in force. Safe for concurrent use;
// it never blocks on the dispatcher.
func (d *Dispatcher) Silences() Silences {
	d.silence.mu.Lock()
	defer d.silence.mu.Unlock()
	return d.silence.current
}

// do queues a and waits for its outcome.
func (d *Dispatcher) do(ctx context.Context, a *action) (actionResult, error) {
	a.done = make(chan actionResult, 1)
	d.push(input{act: a})
	select {
	case r := <-a.done:
		return r, nil
	case <-ctx.Done():
		return actionResult{}, ctx.Err()
	}
}

// act applies a (Run's goroutine). Its answer goes once the change is
// saved (saveSilences), so that an ack confirmed in the chat survives a
// SIGKILL right after.
func (d *Dispatcher) act(a *action, now time.Time) {
	var r actionResult
	switch a.kind {
	case "ack":
		r.ack, r.ok, r.fresh = d.plan.acknowledge(a.host, a.by, now)
		if r.fresh {
			d.log.Info("outage acknowledged", "host", a.host, "by", a.by, "since", r.ack.DownSince.UTC().Format(time.RFC3339))
		}
	case "mute":
		d.plan.mute(Mute{Host: a.host, Until: a.until, By: a.by, At: now})
		d.log.Info("host muted", "host", hostWord(a.host), "until", a.until.UTC().Format(time.RFC3339), "by", a.by)
	case "unmute":
		r.ok = d.plan.unmute(a.host, now)
		if r.ok {
			d.log.Info("host unmuted", "host", hostWord(a.host), "by", a.by)
		}
	}
	d.silence.replies = append(d.silence.replies, func() { a.done <- r })
	d.plan.silenceDirty = true
}

// hostWord is a host as the log names it: "all" for MuteAll.
func hostWord(host string) string {
	if host == MuteAll {
		return "all"
	}
	return host
}

// loadSilences reads the saved acks and mutes at start-up.
func (d *Dispatcher) loadSilences(open map[string]time.Time) error {
	ss, ok := d.store.(SilenceStore)
	if ok {
		s, err := ss.Silences()
		if err != nil {
			return fmt.Errorf("read the acks and mutes: %w", err)
		}
		d.plan.loadSilences(s, open, d.clock.Now())
	}
	d.plan.silenceDirty = true
	d.saveSilences()
	return nil
}

// saveSilences writes the acks and mutes when they changed, publishes
// them to readers, and sends the answers that waited for the save.
func (d *Dispatcher) saveSilences() {
	if !d.plan.silenceDirty {
		return
	}
	d.plan.silenceDirty = false
	if ss, ok := d.store.(SilenceStore); ok {
		if err := ss.SaveSilences(d.plan.saved()); err != nil {
			d.log.Error("acks and mutes not saved", "err", err)
		}
	}
	for _, m := range d.plan.started {
		d.log.Info("host muted", "host", m.Host, "until", m.Until.UTC().Format(time.RFC3339), "by", m.By)
	}
	for _, m := range d.plan.expired {
		d.log.Info("host unmuted", "host", hostWord(m.Host), "by", m.By, "reason", "ended")
	}
	d.plan.started, d.plan.expired = nil, nil
	cur := d.plan.silences()
	d.silence.mu.Lock()
	d.silence.current = cur
	d.silence.mu.Unlock()
	for _, reply := range d.silence.replies {
		reply()
	}
	d.silence.replies = nil
}
