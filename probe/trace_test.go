package probe

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"testing"
	"time"

	"downtime/internal/testnet"
)

// chainModes are the socket modes the path tests run in.
var chainModes = []struct {
	name string
	mode ICMPMode
}{
	{"raw", ModeRaw},
	{"datagram", ModeDatagram},
}

// runningEngine starts an engine in mode and stops it at the end of t.
func runningEngine(t *testing.T, mode ICMPMode) (*Engine, <-chan Result) {
	t.Helper()
	if mode == ModeDatagram {
		allowPingSockets(t)
	}
	e, err := NewEngine(Options{ICMP: true, Mode: mode})
	if err != nil {
		t.Fatal(err)
	}
	if mode == ModeDatagram && e.ErrorsHidden() != "" {
		t.Fatalf("datagram mode: %s", e.ErrorsHidden())
	}
	out := runEngine(t, e, 1024)
	// Trace refuses until Run has started.
	deadline := time.Now().Add(2 * time.Second)
	for {
		e.mu.Lock()
		started := e.started
		e.mu.Unlock()
		if started {
			return e, out
		}
		if time.Now().After(deadline) {
			t.Fatal("engine did not start")
		}
		time.Sleep(time.Millisecond)
	}
}

// family runs f for IPv4 and IPv6 targets of the chain.
func families(c *testnet.Chain) []struct {
	name   string
	target netip.Addr
	hops   [2]netip.Addr
} {
	return []struct {
		name   string
		target netip.Addr
		hops   [2]netip.Addr
	}{
		{"v4", c.Target4(7), c.Hops4},
		{"v6", c.Target6(7), c.Hops6},
	}
}

func TestTraceFindsTheRoutersOfTheChain(t *testing.T) {
	c := testnet.NewChain(t)
	for _, m := range chainModes {
		t.Run(m.name, func(t *testing.T) {
			e, _ := runningEngine(t, m.mode)
			for _, f := range families(c) {
				t.Run(f.name, func(t *testing.T) {
					ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
					defer cancel()
					p, err := e.Trace(ctx, f.target, 3, TraceOptions{Timeout: 500 * time.Millisecond})
					if err != nil {
						t.Fatal(err)
					}
					want := []netip.Addr{f.hops[0], f.hops[1], f.target}
					hops := p.Visible()
					if len(hops) != len(want) || !p.Reached() || p.DestTTL != 3 {
						t.Fatalf("path %+v, want hops %v", p, want)
					}
					for i, h := range hops {
						if h.Addr != want[i] || h.Received == 0 || h.Sent != 3 {
							t.Errorf("hop %d: %+v, want %v answering", i+1, h, want[i])
						}
						if h.Best <= 0 || h.Best > h.Avg() || h.Avg() > h.Worst {
							t.Errorf("hop %d: best %v avg %v worst %v out of order", i+1, h.Best, h.Avg(), h.Worst)
						}
					}
				})
			}
		})
	}
}

func TestTraceOfACutPathEndsAtTheRouterBeforeTheCut(t *testing.T) {
	c := testnet.NewChain(t)
	c.CutLast()
	for _, m := range chainModes {
		t.Run(m.name, func(t *testing.T) {
			e, _ := runningEngine(t, m.mode)
			for _, f := range families(c) {
				t.Run(f.name, func(t *testing.T) {
					p, err := e.Trace(context.Background(), f.target, 1, TraceOptions{Timeout: 300 * time.Millisecond, MaxHops: 8})
					if err != nil {
						t.Fatal(err)
					}
					ttl, addr := p.End()
					if p.Reached() || ttl != 2 || addr != f.hops[1] {
						t.Fatalf("path ends at hop %d %v (reached %v), want hop 2 %v: %+v", ttl, addr, p.Reached(), f.hops[1], p.Hops)
					}
					// One "???" hop where the path goes dark, no more.
					if hops := p.Visible(); len(hops) != 3 || hops[2].Received != 0 {
						t.Errorf("hops %+v, want 2 answered and one silent", hops)
					}
				})
			}
		})
	}
}

// collectFor gathers the results of host id until n came or d passed.
func collectFor(t *testing.T, out <-chan Result, id HostID, n int, d time.Duration) []Result {
	t.Helper()
	var got []Result
	timeout := time.After(d)
	for len(got) < n {
		select {
		case r := <-out:
			if r.ID == id {
				got = append(got, r)
			}
		case <-timeout:
			t.Fatalf("after %v: %d of %d results: %+v", d, len(got), n, got)
		}
	}
	return got
}

// issue 14 item 1: an ICMP error answers the probe at once, with its reason.
func TestICMPErrorsFailProbesAtOnceWithTheReason(t *testing.T) {
	c := testnet.NewChain(t)
	c.Reject(1)
	for _, m := range chainModes {
		t.Run(m.name, func(t *testing.T) {
			e, out := runningEngine(t, m.mode)
			for i, f := range families(c) {
				t.Run(f.name, func(t *testing.T) {
					id := HostID(10 + i)
					// The timeout is long: an answer well before it can
					// only be the router's error.
					e.Add(Spec{ID: id, Target: Target{Host: f.target.String()}, Interval: 100 * time.Millisecond, Timeout: 5 * time.Second})
					defer e.Remove(id)
					start := time.Now()
					got := collectFor(t, out, id, 3, 3*time.Second)
					if el := time.Since(start); el > 2*time.Second {
						t.Errorf("3 probes took %v: the errors did not end them", el)
					}
					for _, r := range got {
						var ie *ICMPError
						if !errors.As(r.Err, &ie) {
							t.Fatalf("result %+v: want an ICMP error", r)
						}
						if want := "prohibited by " + f.hops[1].String(); Reason(r.Err) != want {
							t.Errorf("reason %q, want %q", Reason(r.Err), want)
						}
						if ie.Result() != "prohibited" {
							t.Errorf("result label %q, want prohibited", ie.Result())
						}
					}
					if e.Stats().Errors < 3 {
						t.Errorf("stats %+v: want the errors counted", e.Stats())
					}
				})
			}
		})
	}
}

func TestRoutingLoopIsTTLExceeded(t *testing.T) {
	c := testnet.NewChain(t)
	c.Loop()
	for _, m := range chainModes {
		t.Run(m.name, func(t *testing.T) {
			e, out := runningEngine(t, m.mode)
			for i, f := range families(c) {
				t.Run(f.name, func(t *testing.T) {
					id := HostID(20 + i)
					e.Add(Spec{ID: id, Target: Target{Host: f.target.String()}, Interval: 100 * time.Millisecond, Timeout: 5 * time.Second})
					defer e.Remove(id)
					for _, r := range collectFor(t, out, id, 2, 3*time.Second) {
						reason := Reason(r.Err)
						if reason != "TTL exceeded at "+f.hops[0].String() && reason != "TTL exceeded at "+f.hops[1].String() {
							t.Errorf("reason %q, want TTL exceeded at r1 or r2 (%v, %v)", reason, f.hops[0], f.hops[1])
						}
					}
				})
			}
		})
	}
}

func TestReasons(t *testing.T) {
	a := netip.MustParseAddr("198.18.0.1")
	b := netip.MustParseAddr("2001:2::1")
	for _, tt := range []struct {
		err  error
		want string
	}{
		{ErrTimeout, "timeout"},
		{&ICMPError{From: a, Type: 3, Code: 1}, "host unreachable from 198.18.0.1"},
		{&ICMPError{From: a, Type: 3, Code: 0}, "network unreachable from 198.18.0.1"},
		{&ICMPError{From: a, Type: 3, Code: 13}, "prohibited by 198.18.0.1"},
		{&ICMPError{From: a, Type: 11}, "TTL exceeded at 198.18.0.1"},
		{&ICMPError{From: b, V6: true, Type: 1, Code: 0}, "no route from 2001:2::1"},
		{&ICMPError{From: b, V6: true, Type: 1, Code: 1}, "prohibited by 2001:2::1"},
		{&ICMPError{From: b, V6: true, Type: 1, Code: 3}, "host unreachable from 2001:2::1"},
		{&ICMPError{From: b, V6: true, Type: 3}, "TTL exceeded at 2001:2::1"},
		{errors.New("send: sendto: no route to host"), "send: sendto: no route to host"},
	} {
		if got := Reason(tt.err); got != tt.want {
			t.Errorf("Reason(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
	notFound := &ResolveError{Name: "x.invalid", Err: &net.DNSError{Err: "no such host", Name: "x.invalid", IsNotFound: true}}
	if got := Reason(notFound); got != "no such host" {
		t.Errorf("Reason(%v) = %q, want no such host", notFound, got)
	}
	if got := Reason(&ResolveError{Name: "x.example", Err: errors.New("server misbehaving")}); got != "cannot resolve: server misbehaving" {
		t.Errorf("a resolver failure reads %q", got)
	}
	// A real refusal, from a port that was just closed.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	if _, err := net.Dial("tcp", addr); Reason(err) != "refused" {
		t.Errorf("dial a closed port: %v reads %q, want refused", err, Reason(err))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 0)
	defer cancel()
	if _, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr); Reason(err) != "timeout" {
		t.Errorf("a dial past its deadline: %v reads %q, want timeout", err, Reason(err))
	}
}

// On a ping socket, an error about one host's probe is also the socket's
// pending error, which the next send returns: that must not fail another
// host's probe.
func TestAnErrorForOneHostDoesNotFailAnothersSend(t *testing.T) {
	c := testnet.NewChain(t)
	c.Reject(0)
	e, out := runningEngine(t, ModeDatagram)
	e.Add(Spec{ID: 1, Target: Target{Host: c.Target4(9).String()}, Interval: 20 * time.Millisecond, Timeout: time.Second})
	e.Add(Spec{ID: 2, Target: Target{Host: "127.0.0.1"}, Interval: 20 * time.Millisecond, Timeout: time.Second})
	var bad, good int
	deadline := time.After(5 * time.Second)
	for bad < 40 || good < 40 {
		select {
		case r := <-out:
			switch {
			case r.ID == 2 && r.Err != nil:
				t.Fatalf("loopback probe failed: %v", r.Err)
			case r.ID == 2:
				good++
			case Reason(r.Err) == "prohibited by "+c.Hops4[0].String():
				bad++
			default:
				t.Fatalf("rejected host: %+v (%s)", r, Reason(r.Err))
			}
		case <-deadline:
			t.Fatalf("after 5s: %d rejected, %d loopback results", bad, good)
		}
	}
}

func TestVisibleHops(t *testing.T) {
	path := func(n, answered int) *Path {
		p := &Path{}
		for ttl := 1; ttl <= n; ttl++ {
			h := p.hop(ttl)
			h.Sent = 3
			if ttl <= answered {
				h.Received = 1
			}
		}
		return p
	}
	for _, tt := range []struct {
		name string
		p    *Path
		want int
	}{
		{"reached", func() *Path { p := path(5, 5); p.DestTTL = 3; return p }(), 3},
		{"ended by an error", func() *Path { p := path(30, 3); p.stopTTL = 3; return p }(), 3},
		{"goes dark after hop 2", path(30, 2), 3},
		{"nothing answered", path(30, 0), 1},
	} {
		if got := len(tt.p.Visible()); got != tt.want {
			t.Errorf("%s: %d hops visible, want %d", tt.name, got, tt.want)
		}
		// What is hidden is kept: a later round counts on.
		if len(tt.p.Hops) < tt.want || tt.p.Hops[0].Sent != 3 {
			t.Errorf("%s: hops %+v", tt.name, tt.p.Hops)
		}
	}
}

// A router that answers for the next hop with an error ends the path at
// its own hop: "path ends at hop 2", not 3.
func TestEndIsTheRouterThatSaidNo(t *testing.T) {
	r1, r2 := netip.MustParseAddr("198.18.0.2"), netip.MustParseAddr("198.18.0.6")
	p := &Path{stopTTL: 3, Hops: []Hop{
		{TTL: 1, Addr: r1, Sent: 1, Received: 1},
		{TTL: 2, Addr: r2, Sent: 1, Received: 1},
		{TTL: 3, Addr: r2, Sent: 1, Received: 1, Err: &ICMPError{From: r2, Type: 3, Code: 13}},
	}}
	if hop, addr := p.End(); hop != 2 || addr != r2 {
		t.Errorf("End = %d %v, want 2 %v", hop, addr, r2)
	}
	p.Hops[1].Addr = r1 // another router at hop 2: hop 3 is its own
	if hop, addr := p.End(); hop != 3 || addr != r2 {
		t.Errorf("End = %d %v, want 3 %v", hop, addr, r2)
	}
}

// issue 14 item 1: an ICMP error about someone else's packet (here a UDP
// datagram to a closed port) answers none of our probes; it is counted.
func TestErrorsAboutOtherPacketsAreIgnoredAndCounted(t *testing.T) {
	c := testnet.NewChain(t)
	e, out := runningEngine(t, ModeRaw)
	e.Add(Spec{ID: 1, Target: Target{Host: c.Target4(11).String()}, Interval: 50 * time.Millisecond, Timeout: time.Second})
	conn, err := net.Dial("udp", net.JoinHostPort(c.Target4(12).String(), "9"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	deadline := time.Now().Add(5 * time.Second)
	for e.Stats().Foreign < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("stats %+v: the port unreachable errors were not counted", e.Stats())
		}
		conn.Write([]byte("x"))
		select {
		case r := <-out:
			// A timeout may happen on a loaded machine; an ICMP error
			// would be someone else's matched to our probe.
			if errors.As(r.Err, new(*ICMPError)) {
				t.Fatalf("our probe failed with an error about another packet: %v", r.Err)
			}
		case <-time.After(20 * time.Millisecond):
		}
	}
	if st := e.Stats(); st.Errors != 0 {
		t.Errorf("stats %+v: no error answered one of our probes", st)
	}
}

// A trace's answers are read as they come, though the reader rests after
// a read while the scheduler sleeps: a round ends a rest when it has sent,
// and the reader does not rest while a round waits. The reader's rest is
// made an hour here, so an answer left to the rest is never read and the
// round ends without it. The host's destination answers 200 ms late,
// after its router has answered.
func TestTraceAnswersAreReadWhileTheReaderWouldRest(t *testing.T) {
	testnet.RequireRoot(t)
	h := testnet.NewDelayedHost(t, 200*time.Millisecond, 0, 0, testnet.NoIPv6())
	target := h.Targets4()[0]
	e, err := NewEngine(Options{ICMP: true})
	if err != nil {
		t.Fatal(err)
	}
	e.restFor = time.Hour
	// A probe whose reply the reader reads, to send it to its rest; the
	// scheduler then sleeps until the probe's deadline, 10 s, and its
	// wake-up (which reads the sockets) does not come during the round.
	e.Add(Spec{ID: 1, Target: Target{Host: target.String()}, Interval: time.Hour, Timeout: 10 * time.Second})
	out := runEngine(t, e, 16)
	select {
	case r := <-out:
		if r.Err != nil {
			t.Fatalf("the host's probe: %v", r.Err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no reply to the host's probe")
	}
	time.Sleep(50 * time.Millisecond) // the reader is resting now

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p, err := e.Trace(ctx, target, 1, TraceOptions{MaxHops: 3, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if !p.Reached() || p.DestTTL != 2 {
		t.Fatalf("path %+v: want the destination's answer read at TTL 2", p)
	}
	if hop := p.Hops[0]; hop.Received != 1 || hop.Addr != h.Addr4 {
		t.Errorf("TTL 1: %+v, want the answer of the namespace's router %v", hop, h.Addr4)
	}
}
