package ui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"downtime/config"
	"downtime/history"
	"downtime/monitor"
	"downtime/probe"
	"downtime/store"
)

// Commands are the monitor commands the UI sends. Each runs in a tea.Cmd,
// never in Update or View. *monitor.Runner implements it.
type Commands interface {
	Pause(ctx context.Context, id probe.HostID) error
	Resume(ctx context.Context, id probe.HostID) error
	PauseAll(ctx context.Context) error
	ResumeAll(ctx context.Context) error
	Add(ctx context.Context, h config.Host) (probe.HostID, error)
	Remove(ctx context.Context, id probe.HostID) error
}

var _ Commands = (*monitor.Runner)(nil)

// History is a host's recorded past, for the detail view. It is read in a
// tea.Cmd. *store.Store implements it.
type History interface {
	Outages(host string, since time.Time) ([]store.Outage, error)
	HistorySlots(host string, from, to time.Time) ([]history.Slot, error)
}

var _ History = (*store.Store)(nil)

// AlertLevel is the alert channel's state as the header shows it.
type AlertLevel uint8

// The alert channel's states.
const (
	AlertOff         AlertLevel = iota // no channel configured
	AlertOK                            // delivering; Queued > 0 while messages wait their turn
	AlertFailing                       // the last delivery failed and is retried (5xx, 429); Reason says why
	AlertUnreachable                   // the Bot API does not answer (network, DNS, timeout)
	AlertRefused                       // refused for good (bad token, bot removed, chat not found)
	AlertChecking                      // not yet known: the start-up check is on its way
)

// AlertState is what the header says about alerts: "telegram: ok",
// "telegram: 3 queued", "telegram: unreachable since 07:05 (3 queued)",
// "telegram: refused: bot removed from chat" or "telegram: off".
//
// Last is the first line of the last alert made, as plain text, and LastAt
// when it was made ("" and zero before the first): the UI shows a new one
// on its status line. LastDown says it tells of hosts down (a DOWN or a
// reminder), drawn as a warning. Recent are the last alerts, newest first,
// each with its delivery, for the help page and the events list.
type AlertState struct {
	Level  AlertLevel
	Queued int       // messages waiting in the outbox
	Reason string    // why delivery fails, in full; must never contain the bot token
	Short  string    // the reason in a few words, for a narrow header
	Since  time.Time // when the failure began; zero if unknown

	Last     string // the message's text: it never holds the token
	LastAt   time.Time
	LastDown bool

	// StateNotSaved: the state file was deleted or replaced, or a write to
	// it failed; the header says "state not saved".
	StateNotSaved bool
	Recent        []SentAlert
}

// equal reports whether a and b say the same: a tick that brings the same
// state changes nothing on screen.
func (a AlertState) equal(b AlertState) bool {
	return a.Level == b.Level && a.Queued == b.Queued && a.Reason == b.Reason && a.Short == b.Short &&
		a.Since.Equal(b.Since) && a.Last == b.Last && a.LastAt.Equal(b.LastAt) && a.LastDown == b.LastDown &&
		a.StateNotSaved == b.StateNotSaved && slices.EqualFunc(a.Recent, b.Recent, SentAlert.equal)
}

// SentAlert is one recent alert and where it is on its way.
type SentAlert struct {
	Made     time.Time
	Text     string // its first line, plain text
	Down     bool   // it tells of hosts down
	Delivery string // "sent", "queued" or "failed"
	At       time.Time
	Reason   string // why it failed, or why its last try failed
}

func (s SentAlert) equal(o SentAlert) bool {
	return s.Made.Equal(o.Made) && s.Text == o.Text && s.Down == o.Down && s.Delivery == o.Delivery &&
		s.At.Equal(o.At) && s.Reason == o.Reason
}

// AlertStatus reports the alert channel's state. The UI polls it once a
// second from a tea.Cmd, so it may take a lock but must not wait on the
// network.
type AlertStatus interface {
	Status() AlertState
}

// AlertStatusFunc adapts a function to AlertStatus, for wiring a
// dispatcher that does not know this package.
type AlertStatusFunc func() AlertState

// Status calls f.
func (f AlertStatusFunc) Status() AlertState { return f() }

// commandTimeout bounds one monitor command; the runner answers in
// microseconds unless it is stopping.
const commandTimeout = 5 * time.Second

// errNoMonitor is the answer of every command when the UI runs without one
// (a preview, a test of the screen alone).
var errNoMonitor = errors.New("no monitor attached")

// backend turns user actions into tea.Cmds that talk to the monitor, the
// store and the alert channel. Its fields never change after New, so the
// Cmds may read them from their own goroutines.
type backend struct {
	ctx      context.Context
	cmds     Commands
	hist     History
	alerts   AlertStatus
	events   *Events
	now      func() time.Time
	defaults config.Defaults
	reload   func() (string, error)
	silencer Silencer
}

// command runs f with a deadline and reports the outcome as a
// commandDoneMsg; done is the status line on success.
func (b *backend) command(done string, f func(ctx context.Context) error) tea.Cmd {
	return func() tea.Msg {
		if b.cmds == nil {
			return commandDoneMsg{err: errNoMonitor}
		}
		ctx, cancel := context.WithTimeout(b.ctx, commandTimeout)
		defer cancel()
		if err := f(ctx); err != nil {
			return commandDoneMsg{err: err}
		}
		return commandDoneMsg{text: done}
	}
}

// pause pauses a host, or resumes it when it is paused.
func (b *backend) pause(v *monitor.HostView) tea.Cmd {
	id := v.ID
	if v.State == monitor.Paused {
		return b.command("resumed "+v.Name, func(ctx context.Context) error { return b.cmds.Resume(ctx, id) })
	}
	return b.command("paused "+v.Name+" (p again resumes it)", func(ctx context.Context) error { return b.cmds.Pause(ctx, id) })
}

// pauseAll pauses every host, or resumes them all when resume is set.
func (b *backend) pauseAll(resume bool) tea.Cmd {
	if resume {
		return b.command("resumed every host", func(ctx context.Context) error { return b.cmds.ResumeAll(ctx) })
	}
	return b.command("paused every host (P again resumes them)", func(ctx context.Context) error { return b.cmds.PauseAll(ctx) })
}

// add validates a target typed in the add form with the config's rules,
// checks it against the hosts being watched (hosts is the current
// snapshot's list, which is immutable) and adds it to the monitor, which
// probes it at once and keeps it in the store.
func (b *backend) add(target, name string, hosts []*monitor.HostView) tea.Cmd {
	return func() tea.Msg {
		h, err := newHost(b.defaults, target, name, hosts)
		if err != nil {
			return addFailedMsg{err: err}
		}
		if b.cmds == nil {
			return addFailedMsg{err: errNoMonitor}
		}
		ctx, cancel := context.WithTimeout(b.ctx, commandTimeout)
		defer cancel()
		id, err := b.cmds.Add(ctx, h)
		if err != nil {
			return addFailedMsg{err: err}
		}
		return addedMsg{id: id, name: h.Name, address: h.Address}
	}
}

// newHost builds a runtime host from the form: config.NewHost applies the
// config's rules and defaults; the duplicate check runs against the live
// host list, which, unlike the config, knows the hosts added and removed
// since the start.
func newHost(d config.Defaults, target, name string, hosts []*monitor.HostView) (config.Host, error) {
	c := &config.Config{Defaults: d}
	h, err := c.NewHost(target, name)
	if err != nil {
		return config.Host{}, err
	}
	for _, v := range hosts {
		if v.Name == h.Name {
			return config.Host{}, fmt.Errorf("name %q is already used by %s (choose another name)", h.Name, v.Address)
		}
		if t, err := config.ParseTarget(v.Address); err == nil && t == h.Target {
			return config.Host{}, fmt.Errorf("%s is already watched as %q", h.Target, v.Name)
		}
	}
	return h, nil
}

// remove removes a host added at runtime.
func (b *backend) remove(v *monitor.HostView) tea.Cmd {
	id, name := v.ID, v.Name
	return func() tea.Msg {
		if b.cmds == nil {
			return commandDoneMsg{err: errNoMonitor}
		}
		ctx, cancel := context.WithTimeout(b.ctx, commandTimeout)
		defer cancel()
		if err := b.cmds.Remove(ctx, id); err != nil {
			return commandDoneMsg{err: err}
		}
		return removedMsg{id: id, name: name}
	}
}

// reloadConfig re-reads the config file and applies it: slow (a file, the
// monitor), so never in Update.
func (b *backend) reloadConfig() tea.Cmd {
	return func() tea.Msg {
		text, err := b.reload()
		return reloadedMsg{text: text, err: err}
	}
}

// history reads a host's outages, its uptime over the time it was watched
// in the last 24 h and 7 d, and the chart's data for rng.
func (b *backend) history(id probe.HostID, name string, rng chartRange) tea.Cmd {
	return func() tea.Msg {
		msg := historyMsg{id: id, name: name, rng: rng}
		if b.hist == nil {
			msg.err = errNoHistory
			return msg
		}
		now := b.now()
		reach := max(rng.span(), 7*24*time.Hour)
		var err error
		if msg.outages, err = b.hist.Outages(name, time.Time{}); err != nil {
			msg.err = err
			return msg
		}
		slots, err := b.hist.HistorySlots(name, now.Add(-reach), now)
		if err != nil {
			msg.err = err
			return msg
		}
		msg.intervals = make([]history.Interval, len(msg.outages))
		for i, o := range msg.outages {
			msg.intervals[i] = history.Interval{Start: o.Start, End: o.End}
		}
		msg.sum24 = history.Summarize(slots, msg.intervals, now.Add(-24*time.Hour), now)
		msg.sum7d = history.Summarize(slots, msg.intervals, now.Add(-7*24*time.Hour), now)
		if rng != rangeProbes {
			msg.from, msg.to = now.Add(-rng.span()), now
			for _, s := range slots {
				if s.End().After(msg.from) {
					msg.slots = append(msg.slots, s)
				}
			}
		}
		msg.ok = true
		return msg
	}
}

// errNoHistory is the history of a run without a state file.
var errNoHistory = errors.New("no history is kept without a state file (--no-state)")

// tickLag is how long after the second of the clock the tick fires: the
// runner's snapshot of that second comes first and sets the clock, and the
// tick has nothing new to draw (see Model.tick).
const tickLag = 50 * time.Millisecond

// tick fires just after the next second of the clock, with the alert
// channel's state read on the way, so the timers of DOWN hosts tick every
// second.
func (b *backend) tick() tea.Cmd {
	now := b.now()
	next := now.Add(-tickLag).Truncate(time.Second).Add(time.Second + tickLag)
	return tea.Tick(next.Sub(now), func(time.Time) tea.Msg {
		msg := tickMsg{now: b.now(), alert: AlertState{Level: AlertOff}}
		if b.alerts != nil {
			msg.alert = b.alerts.Status()
		}
		msg.silenced = b.silenced()
		msg.events = b.events.list()
		return msg
	})
}
