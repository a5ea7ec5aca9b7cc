package probe

import (
	"net/netip"
	"slices"
	"testing"
	"time"

	"downtime/internal/testnet"
)

func icmpSpec(id HostID, a netip.Addr, every time.Duration) Spec {
	return Spec{ID: id, Target: Target{Host: a.String()}, Interval: every, Timeout: every}
}

func TestNamespaceHostsAnswerOverIPv4AndIPv6(t *testing.T) {
	testnet.RequireRoot(t)
	h := testnet.NewHost(t)
	e, err := NewEngine(Options{ICMP: true})
	if err != nil {
		t.Fatal(err)
	}
	e.Add(icmpSpec(1, h.Addr4, 20*time.Millisecond))
	e.Add(icmpSpec(2, h.Addr6, 20*time.Millisecond))
	got := collect(t, e, []HostID{1, 2}, 5, 5*time.Second)
	for id, want := range map[HostID]netip.Addr{1: h.Addr4, 2: h.Addr6} {
		ok := 0
		for _, r := range got[id] {
			if r.Err == nil && r.Addr == want {
				ok++
			}
		}
		// The first probe may race the namespace's neighbour discovery.
		if ok < len(got[id])-1 {
			t.Errorf("%v: %d of %d probes answered: %+v", want, ok, len(got[id]), got[id])
		}
	}
}

func TestReplyFromAnotherAddressDoesNotCount(t *testing.T) {
	testnet.RequireRoot(t)
	h := testnet.NewDelayedHost(t, time.Millisecond, 0, 0)
	a, b := h.Targets4()[0], h.Targets4()[1]
	h.ReplyFromOtherAddress(a, b)
	e, err := NewEngine(Options{ICMP: true})
	if err != nil {
		t.Fatal(err)
	}
	e.Add(icmpSpec(1, a, 20*time.Millisecond))
	e.Add(icmpSpec(2, b, 20*time.Millisecond)) // answered normally: proves the path works
	got := collect(t, e, []HostID{1, 2}, 10, 5*time.Second)
	for _, r := range got[1] {
		if r.Err == nil {
			t.Fatalf("probe to %v counted a reply from %v: %+v", a, b, r)
		}
	}
	answered := 0
	for _, r := range got[2] {
		if r.Err == nil {
			answered++
		}
	}
	if answered < 8 {
		t.Fatalf("control host %v answered %d of 10", b, answered)
	}
	if e.Stats().Ignored < 5 {
		t.Errorf("stats %+v: the spoofed replies should be counted as ignored", e.Stats())
	}
}

func TestDelayedHostRTT(t *testing.T) {
	testnet.RequireRoot(t)
	const delay = 20 * time.Millisecond
	h := testnet.NewDelayedHost(t, delay, 0, 0)
	e, err := NewEngine(Options{ICMP: true})
	if err != nil {
		t.Fatal(err)
	}
	e.Add(Spec{ID: 1, Target: Target{Host: h.Targets4()[0].String()}, Interval: 50 * time.Millisecond, Timeout: 200 * time.Millisecond})
	e.Add(Spec{ID: 2, Target: Target{Host: h.Targets6()[0].String()}, Interval: 50 * time.Millisecond, Timeout: 200 * time.Millisecond})
	got := collect(t, e, []HostID{1, 2}, 20, 10*time.Second)
	for id, rs := range got {
		var rtts []time.Duration
		for _, r := range rs {
			if r.Err == nil {
				rtts = append(rtts, r.RTT)
			}
		}
		if len(rtts) < 18 {
			t.Fatalf("host %d: %d of %d answered", id, len(rtts), len(rs))
		}
		slices.Sort(rtts)
		// The responder adds delay plus a fraction of a millisecond of its
		// own; more than 2 ms over means we measured our own latency.
		if med := rtts[len(rtts)/2]; med < delay || med > delay+2*time.Millisecond {
			t.Errorf("host %d: median RTT %v, want %v..%v", id, med, delay, delay+2*time.Millisecond)
		}
	}
}
