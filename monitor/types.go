// Package monitor owns the state of every host: it turns probe results into
// UP/DOWN transitions and statistics, and publishes snapshots for readers.
package monitor

import (
	"fmt"
	"math"
	"net/netip"
	"time"

	"downtime/config"
	"downtime/probe"
)

// State is a host's state.
type State uint8

// The states of a host.
const (
	Pending State = iota // no verdict yet (just started, added or resumed)
	Up
	Down
	Paused // by the user; not probed
)

func (s State) String() string {
	switch s {
	case Pending:
		return "pending"
	case Up:
		return "up"
	case Down:
		return "down"
	case Paused:
		return "paused"
	}
	return "unknown"
}

// ParseState is the inverse of State.String, used by the store.
func ParseState(s string) (State, bool) {
	for _, st := range []State{Pending, Up, Down, Paused} {
		if st.String() == s {
			return st, true
		}
	}
	return Pending, false
}

// Clock gives the current time; tests inject a fake one.
type Clock interface{ Now() time.Time }

// Transition is a change of a host's state between UP and DOWN (PENDING and
// PAUSED changes are not transitions: they alert nobody).
type Transition struct {
	ID        probe.HostID
	Host      string // name
	Address   string
	Resolved  netip.Addr // what a DNS name last resolved to; zero for IP targets and before the first probe
	Parent    string
	From, To  State
	At        time.Time // when the change was decided (wall clock, like every instant here)
	DownSince time.Time // start of the outage: when the first probe of the failing run was sent
	Restored  bool      // an outage restored from the store at start-up ("host still down"), not a new one
	Reason    string    // why the last probe failed (probe.Reason), for To==Down
	Notice    Notice    // NoNotice for a transition; otherwise news about an open outage (see Notice)

	// Path is where a trace at DOWN found the way to the host now ends;
	// set by the path tracer between the monitor and the alerts, nil when
	// the host was not traced.
	Path *PathEnd
}

// PathEnd is where the path to a DOWN host ends, and how far it went when
// the host was last up.
type PathEnd struct {
	Hop    int    // the last hop that answered, 1 for the first router; 0 when none did
	Addr   string // its address
	Local  bool   // Addr is this machine's: it said the host is unreachable (probe.IsLocal)
	UsedTo int    // the hop the host itself answered at in its last good path; 0 when unknown
}

// String is the line the DOWN message carries: "path ends at hop 2:
// 198.18.0.1 (it used to reach hop 4)" (worded by probe.EndWords).
func (p *PathEnd) String() string {
	s := probe.EndWords(p.Hop, p.Addr, p.Local)
	if p.Hop == 0 {
		s += " a trace"
	}
	if p.UsedTo > 0 {
		s += fmt.Sprintf(" (it used to reach hop %d)", p.UsedTo)
	}
	return s
}

// Notice is news a Runner sends on Transitions about a host's open outage
// that is not a change between UP and DOWN: the user paused, resumed or
// removed the host. The alert path needs it to stop the outage's reminders
// while the host is paused, to take them up again when it is resumed, and
// to forget an outage that will never end with an UP. Notices are sent only
// for hosts with an open outage, in order with the transitions. Their From
// and To are chosen so that a sink that looks only at To==Down, To==Up and
// Restored (the log lines) reads them correctly or skips them.
type Notice uint8

// The notices.
const (
	// NoNotice marks an ordinary transition or a restored outage.
	NoNotice Notice = iota
	// NoticePaused: a DOWN host was paused. From=Down, To=Paused; DownSince
	// is the outage's start, which Resume keeps.
	NoticePaused
	// NoticeResumed: a host paused while DOWN was resumed and is DOWN again
	// with its original DownSince. It reads like a restored outage
	// (From=To=Down, Restored=true): the outage goes on, it is not new.
	NoticeResumed
	// NoticeRemoved: a host with an open outage (DOWN, or paused while
	// DOWN) was removed. From is its state before, To=Paused (it is no
	// longer probed); no UP will end this outage.
	NoticeRemoved
)

func (n Notice) String() string {
	switch n {
	case NoNotice:
		return "none"
	case NoticePaused:
		return "paused"
	case NoticeResumed:
		return "resumed"
	case NoticeRemoved:
		return "removed"
	}
	return "unknown"
}

// Outage is the length of the outage a recovery ends.
func (t Transition) Outage() time.Duration { return t.At.Sub(t.DownSince) }

// Sample is one probe outcome in a host's history: an RTT in microseconds,
// or Lost.
type Sample uint32

// Lost marks a probe that got no valid reply.
const Lost Sample = math.MaxUint32

// SampleOf converts a round-trip time to a Sample (at least 1 µs, so that 0
// never reads as "no data").
func SampleOf(rtt time.Duration) Sample {
	us := rtt.Microseconds()
	switch {
	case us < 1:
		us = 1
	case us >= int64(Lost):
		us = int64(Lost) - 1
	}
	return Sample(us)
}

// RTT is the sample's round-trip time; 0 for Lost.
func (s Sample) RTT() time.Duration {
	if s == Lost {
		return 0
	}
	return time.Duration(s) * time.Microsecond
}

// HostView is an immutable picture of one host. A Snapshot shares a view
// with the next one while the host has not changed.
type HostView struct {
	ID      probe.HostID
	Name    string
	Address string
	Parent  string
	Origin  config.Origin

	Resolved netip.Addr // what a DNS name last resolved to; zero for IP targets and before the first probe

	State     State
	Since     time.Time // when the current state began (for Down, DownSince)
	DownSince time.Time // start of the current outage, its first lost probe (zero unless Down)
	PausedAt  time.Time // when paused (zero unless Paused)
	LastErr   string    // why the last probe failed (probe.Reason: "timeout", "refused", "prohibited by …"), "" after a success

	// Statistics over the samples in Samples.
	Last, Min, Avg, Max, Jitter time.Duration // Last is 0 when the last probe was lost
	Loss                        float64       // 0..1
	Sent, Received              int

	Samples []Sample // oldest first, at most SampleWindow

	// Counters are running totals over every probe since the host was
	// added in this process (see counters.go), for metrics.
	Counters Counters
}

// ShownAddress is the address as the user wrote it and, for a DNS name,
// what it resolved to: "web01.example → 198.18.0.5".
func (v *HostView) ShownAddress() string { return showAddress(v.Address, v.Resolved) }

// ShownAddress is HostView.ShownAddress for a transition.
func (t Transition) ShownAddress() string { return showAddress(t.Address, t.Resolved) }

func showAddress(address string, resolved netip.Addr) string {
	if !resolved.IsValid() {
		return address
	}
	return address + " → " + resolved.String()
}

// SampleWindow is how many recent samples a host keeps.
const SampleWindow = 120

// Snapshot is every host at one moment, in the order the hosts were given.
type Snapshot struct {
	At    time.Time
	Hosts []*HostView
}

// Saved is what the store keeps of a host across restarts.
type Saved struct {
	State     State // Up, Down or Pending
	Since     time.Time
	DownSince time.Time // zero unless Down
	Paused    bool
	PausedAt  time.Time
}

// Store persists what must survive a restart. The monitor calls it from its
// own goroutine, only on changes (transitions, pauses, adds, removes).
type Store interface {
	SaveHost(name string, s Saved) error
	OutageStarted(name string, start time.Time) error
	OutageEnded(name string, start, end time.Time) error
	AddRuntimeHost(h config.Host) error
	RemoveRuntimeHost(name string) error
}

// Engine is the part of the probe engine the monitor drives.
type Engine interface {
	Add(s probe.Spec)
	Remove(id probe.HostID)
}
