package monitor

import (
	"net/netip"
	"testing"
	"time"

	"downtime/config"
	"downtime/probe"
)

// TestDNSNamesShowWhatTheyResolvedTo: issue 10 item 10, "a DNS name never
// shows the address it resolved to": the address a name was last probed at
// is in the host's view and its transitions; an IP target has none to add.
func TestDNSNamesShowWhatTheyResolvedTo(t *testing.T) {
	ip := hostCfg("ip", 1, 1)
	ip.Address, ip.Target = "198.18.0.9", probe.Target{Kind: probe.KindICMP, Host: "198.18.0.9"}
	clock := newClock()
	m := New(clock, []config.Host{hostCfg("web01", 1, 1), ip}, nil)
	web, _ := m.Lookup("web01")
	ipID, _ := m.Lookup("ip")

	if v := viewOf(t, m.Snapshot(), web); v.Resolved.IsValid() || v.ShownAddress() != "web01.test" {
		t.Errorf("before any probe: resolved %v, shown %q", v.Resolved, v.ShownAddress())
	}
	first, second := netip.MustParseAddr("198.18.0.5"), netip.MustParseAddr("2001:2::5")
	m.Handle(probe.Result{ID: web, RTT: time.Millisecond, Addr: first})
	m.Handle(probe.Result{ID: ipID, RTT: time.Millisecond, Addr: netip.MustParseAddr("198.18.0.9")})
	if v := viewOf(t, m.Snapshot(), web); v.Resolved != first || v.ShownAddress() != "web01.test → 198.18.0.5" {
		t.Errorf("after a reply: resolved %v, shown %q", v.Resolved, v.ShownAddress())
	}
	if v := viewOf(t, m.Snapshot(), ipID); v.Resolved.IsValid() || v.ShownAddress() != "198.18.0.9" {
		t.Errorf("IP target: resolved %v, shown %q", v.Resolved, v.ShownAddress())
	}

	// The name moves; the DOWN says where it was probed last.
	clock.Advance(time.Second)
	tr, ok := m.Handle(probe.Result{ID: web, Err: probe.ErrTimeout, Addr: second})
	if !ok || tr.To != Down || tr.Resolved != second || tr.ShownAddress() != "web01.test → 2001:2::5" {
		t.Errorf("DOWN %v (%v): resolved %v, shown %q", tr, ok, tr.Resolved, tr.ShownAddress())
	}
	// A failure before any address (the name did not resolve) keeps the last one.
	m.Handle(probe.Result{ID: web, Err: probe.ErrTimeout})
	if v := viewOf(t, m.Snapshot(), web); v.Resolved != second {
		t.Errorf("after a failed lookup: resolved %v, want the last known %v", v.Resolved, second)
	}
}
