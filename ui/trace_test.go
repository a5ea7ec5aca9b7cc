package ui

import (
	"context"
	"net/netip"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"downtime/probe"
)

// fakeTracer answers each round with a fixed path of two routers, the
// second losing every other probe; the host itself never answers.
type fakeTracer struct{ rounds int }

func (f *fakeTracer) TraceTarget(probe.HostID) (netip.Addr, bool) {
	return netip.MustParseAddr("198.18.0.1"), true
}

func (f *fakeTracer) TraceRound(_ context.Context, p *probe.Path, _ probe.TraceOptions) error {
	f.rounds++
	p.Rounds++
	hop := func(ttl int, addr string, rtt time.Duration, answered bool) {
		for len(p.Hops) < ttl {
			p.Hops = append(p.Hops, probe.Hop{TTL: len(p.Hops) + 1})
		}
		h := &p.Hops[ttl-1]
		h.Sent++
		if answered {
			h.Addr = netip.MustParseAddr(addr)
			h.Received++
			h.Last, h.Sum = rtt, h.Sum+rtt
			if h.Best == 0 || rtt < h.Best {
				h.Best = rtt
			}
			h.Worst = max(h.Worst, rtt)
		}
	}
	hop(1, "198.18.0.2", 300*time.Microsecond, true)
	hop(2, "198.18.0.6", time.Duration(p.Rounds)*time.Millisecond, p.Rounds%2 == 1)
	hop(3, "", 0, false)
	return nil
}

// issue 14 item 4: t in the detail view traces the host live, round by
// round; esc goes back to the detail view.
func TestTraceKeyTracesTheHostLive(t *testing.T) {
	snap := fixture(t, 0)
	tr := &fakeTracer{}
	m, _ := newTest(t, 80, 24, snap, Options{Tracer: tr})
	cmd := startTrace(t, m, "core-sw1")
	for round := 1; round <= 2; round++ {
		_, tick := m.Update(cmd())
		if tick == nil {
			t.Fatalf("round %d: no next round scheduled", round)
		}
		if round < 2 {
			_, cmd = m.Update(traceTickMsg{gen: m.trace.gen})
		}
	}
	view := m.View()
	for _, want := range []string{
		"trace core-sw1 (198.18.0.1)", "2 rounds · path ends at hop 2: 198.18.0.6",
		"HOP  ADDRESS", "  1  198.18.0.2                  0%    2   300µs   300µs   300µs   300µs",
		"  2  198.18.0.6                 50%    2", "  3  ???                       100%    2",
		"esc back",
	} {
		if !strings.Contains(view, want) {
			t.Errorf("trace view lacks %q:\n%s", want, view)
		}
	}
	press(t, m, "esc")
	if m.state != stateDetail {
		t.Fatalf("esc: state %v, want the detail view", m.state)
	}
	// A round that comes after esc is dropped, and starts no other.
	if _, next := m.Update(traceRoundMsg{gen: m.trace.gen - 1, path: &probe.Path{}}); next != nil {
		t.Error("a stale round scheduled another")
	}
	if tr.rounds != 2 {
		t.Errorf("%d rounds traced, want 2", tr.rounds)
	}
}

func TestTraceWithoutATracerSaysWhy(t *testing.T) {
	m, _ := newTest(t, 80, 24, fixture(t, 0), Options{})
	selectHost(t, m, "core-sw1")
	press(t, m, "enter", "t")
	if view := m.View(); !strings.Contains(view, "no tracing here") {
		t.Errorf("view lacks the reason:\n%s", view)
	}
}

func TestTraceSaysWhatAHopAnsweredUnderTheTable(t *testing.T) {
	p := &probe.Path{Dest: netip.MustParseAddr("198.18.0.1"), Rounds: 1, Hops: []probe.Hop{
		{TTL: 1, Addr: netip.MustParseAddr("198.18.0.2"), Sent: 1, Received: 1, Last: time.Millisecond, Sum: time.Millisecond, Best: time.Millisecond, Worst: time.Millisecond},
		{TTL: 2, Addr: netip.MustParseAddr("198.18.0.6"), Sent: 1, Received: 1, Last: time.Millisecond, Sum: time.Millisecond, Best: time.Millisecond, Worst: time.Millisecond,
			Err: &probe.ICMPError{From: netip.MustParseAddr("198.18.0.6"), Type: 3, Code: 13}},
	}}
	m, _ := newTest(t, 80, 24, fixture(t, 0), Options{})
	m.trace.open, m.trace.path, m.trace.name = true, p, "x"
	m.state = stateTrace
	view := m.View()
	for _, want := range []string{"  2  198.18.0.6", " !", "hop 2: prohibited by 198.18.0.6"} {
		if !strings.Contains(view, want) {
			t.Errorf("view lacks %q:\n%s", want, view)
		}
	}
}

// Review of main: after the first round the live trace said "1 rounds".
func TestTraceSaysOneRoundInTheSingular(t *testing.T) {
	m, _ := newTest(t, 80, 24, fixture(t, 0), Options{Tracer: &fakeTracer{}})
	cmd := startTrace(t, m, "core-sw1")
	m.Update(cmd())
	view := m.View()
	if !strings.Contains(view, "1 round · path ends") || strings.Contains(view, "1 rounds") {
		t.Errorf("trace view after one round:\n%s", view)
	}
}

// endsHereTracer answers every round from this machine itself (127.0.0.1
// is one of its addresses): the host on its own link is gone.
type endsHereTracer struct{}

func (endsHereTracer) TraceTarget(probe.HostID) (netip.Addr, bool) {
	return netip.MustParseAddr("198.18.0.1"), true
}

func (endsHereTracer) TraceRound(_ context.Context, p *probe.Path, _ probe.TraceOptions) error {
	p.Rounds++
	p.Hops = []probe.Hop{{TTL: 1, Addr: netip.MustParseAddr("127.0.0.1"), Sent: p.Rounds, Received: p.Rounds}}
	return nil
}

// A live trace whose last answer is this machine's own says the path ends
// here, worded as the DOWN message and downtime trace word it, not "at hop
// 1" as if a router had answered.
func TestTraceEndsAtThisMachine(t *testing.T) {
	m, _ := newTest(t, 80, 24, fixture(t, 0), Options{Tracer: endsHereTracer{}})
	cmd := startTrace(t, m, "core-sw1")
	m.Update(cmd())
	if view := m.View(); !strings.Contains(view, "1 round · path ends at this machine (127.0.0.1)") {
		t.Errorf("trace view lacks where the path ends:\n%s", view)
	}
}

// startTrace opens host's detail and presses t; it returns the command
// that runs the trace's first round.
func startTrace(t *testing.T, m *Model, host string) tea.Cmd {
	t.Helper()
	selectHost(t, m, host)
	press(t, m, "enter")
	_, cmd := m.Update(keyMsg("t"))
	if cmd == nil {
		t.Fatal("t started no trace")
	}
	return cmd
}
