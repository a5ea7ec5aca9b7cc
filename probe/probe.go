// Package probe sends probes to hosts and reports one Result per probe.
//
// ICMP probes of all hosts share one socket per address family (see icmp.go);
// TCP and demo probes go through the small Prober interface.
//
// The parts and their files: the Engine's lifecycle and its hosts
// (engine.go); the scheduler, which decides what is due and sends it
// (scheduler.go), with its send queue and deadline FIFOs (queues.go); the
// reader, which turns replies and passed deadlines into Results (reader.go);
// the ICMP sockets (icmp.go, icmperr.go, errqueue_*.go, icmpfilter_*.go,
// sockopt_*.go, sys_*.go) and the sleeps on them (sleep_*.go, wait_*.go);
// name resolution (resolve.go); traces (trace.go, trace_send.go); the TCP
// and demo probers (tcp.go, demo.go).
package probe

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"time"
)

// Kind says how a target is probed.
type Kind uint8

// The kinds of target.
const (
	KindICMP Kind = iota // ICMP echo (v4 or v6 by address)
	KindTCP              // TCP connect to Port
)

// Target is what one host is probed at: an IP literal or DNS name, and for
// TCP a port.
type Target struct {
	Host string // IP literal or DNS name, never with brackets or port
	Port uint16 // KindTCP only
	Kind Kind   // after Port, so that the two share a word
}

// String renders the target as the user writes it: "198.18.0.1",
// "db.example", "tcp://db.example:5432", "tcp://[2001:2::1]:22".
func (t Target) String() string {
	if t.Kind == KindTCP {
		h := t.Host
		if a, err := netip.ParseAddr(h); err == nil && a.Is6() {
			h = "[" + h + "]"
		}
		return "tcp://" + h + ":" + strconv.Itoa(int(t.Port))
	}
	return t.Host
}

// Literal returns the target's address when Host is an IP literal.
func (t Target) Literal() (netip.Addr, bool) {
	a, err := netip.ParseAddr(t.Host)
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}

// HostID identifies a host inside one run of the program. It is assigned by
// the monitor and never reused while the program runs.
type HostID uint32

// Spec is one host as the engine needs it.
type Spec struct {
	ID       HostID
	Target   Target
	Interval time.Duration // between two probes
	Timeout  time.Duration // for one reply; at most Interval
}

// Result is the outcome of one probe.
type Result struct {
	ID   HostID
	Seq  uint64        // per-host probe counter, starting at 1
	RTT  time.Duration // valid when Err == nil
	Err  error         // nil on success; ErrTimeout when no reply came in time
	At   time.Time     // when the probe was sent
	Addr netip.Addr    // the address probed, when known
}

// ErrTimeout is the error of a probe whose reply did not arrive in time.
var ErrTimeout = errors.New("timeout")

// Prober probes one target synchronously. The caller sets the deadline on
// ctx; a prober honours it and returns the round-trip time or an error.
type Prober interface {
	Probe(ctx context.Context, t Target, addr netip.Addr) (time.Duration, error)
}

// ResolveError is a probe failure caused by a name that did not resolve.
type ResolveError struct {
	Name string
	Err  error
}

func (e *ResolveError) Error() string { return fmt.Sprintf("resolve %s: %v", e.Name, e.Err) }
func (e *ResolveError) Unwrap() error { return e.Err }
