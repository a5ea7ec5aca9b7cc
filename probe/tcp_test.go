package probe

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"syscall"
	"testing"
	"time"
)

// listenTCP starts a loopback listener that accepts and drops connections,
// and returns its address.
func listenTCP(t *testing.T, network, address string) netip.AddrPort {
	t.Helper()
	ln, err := net.Listen(network, address)
	if err != nil {
		t.Skipf("listen %s %s: %v", network, address, err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	return ln.Addr().(*net.TCPAddr).AddrPort()
}

// tcpTarget returns the target and address that Probe is called with for ap.
func tcpTarget(ap netip.AddrPort) (Target, netip.Addr) {
	return Target{Kind: KindTCP, Host: ap.Addr().String(), Port: ap.Port()}, ap.Addr()
}

func TestTCPProbeConnects(t *testing.T) {
	for _, tc := range []struct{ name, network, address string }{
		{"ipv4", "tcp4", "127.0.0.1:0"},
		{"ipv6", "tcp6", "[::1]:0"}, // skips where ::1 is not configured
	} {
		t.Run(tc.name, func(t *testing.T) {
			tg, addr := tcpTarget(listenTCP(t, tc.network, tc.address))
			ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
			defer cancel()
			rtt, err := (&TCPProber{}).Probe(ctx, tg, addr)
			if err != nil {
				t.Fatalf("Probe(%s) = %v", tg, err)
			}
			if rtt <= 0 || rtt > time.Second {
				t.Errorf("Probe(%s) rtt = %v, want a small positive duration", tg, rtt)
			}
		})
	}
}

func TestTCPProbeUsesHostLiteralWithoutAddr(t *testing.T) {
	tg, _ := tcpTarget(listenTCP(t, "tcp4", "127.0.0.1:0"))
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if _, err := (&TCPProber{}).Probe(ctx, tg, netip.Addr{}); err != nil {
		t.Fatalf("Probe(%s, no addr) = %v", tg, err)
	}
}

func TestTCPProbeRefused(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ap := ln.Addr().(*net.TCPAddr).AddrPort()
	ln.Close() // nothing listens there any more
	tg, addr := tcpTarget(ap)

	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	_, err = (&TCPProber{}).Probe(ctx, tg, addr)
	if err == nil {
		t.Fatalf("Probe(%s) succeeded on a closed port", tg)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("Probe(%s) = %v, want connection refused", tg, err)
	}
	if errors.Is(err, ErrTimeout) {
		t.Errorf("Probe(%s) = %v, a refusal is not a timeout", tg, err)
	}
}

func TestTCPProbeContextEnded(t *testing.T) {
	tg, addr := tcpTarget(listenTCP(t, "tcp4", "127.0.0.1:0"))

	expired, cancel := context.WithDeadline(t.Context(), time.Now().Add(-time.Second))
	defer cancel()
	if _, err := (&TCPProber{}).Probe(expired, tg, addr); !errors.Is(err, ErrTimeout) {
		t.Errorf("Probe with an expired deadline = %v, want ErrTimeout", err)
	}

	cancelled, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := (&TCPProber{}).Probe(cancelled, tg, addr)
	if !errors.Is(err, context.Canceled) || errors.Is(err, ErrTimeout) {
		t.Errorf("Probe with a cancelled ctx = %v, want context.Canceled", err)
	}
}

func TestTCPProbeBadTarget(t *testing.T) {
	for _, tc := range []struct {
		name string
		tg   Target
		addr netip.Addr
	}{
		// A name without an address must fail rather than be resolved.
		{"name without addr", Target{Kind: KindTCP, Host: "db.invalid", Port: 5432}, netip.Addr{}},
		{"no port", Target{Kind: KindTCP, Host: "127.0.0.1"}, netip.MustParseAddr("127.0.0.1")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := (&TCPProber{}).Probe(t.Context(), tc.tg, tc.addr); err == nil {
				t.Errorf("Probe(%s) succeeded, want an error", tc.tg)
			}
		})
	}
}

// TestTCPProbeResets checks that a probe ends with RST, not FIN, so that it
// leaves no TIME_WAIT socket behind.
func TestTCPProbeResets(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	tg, addr := tcpTarget(ln.Addr().(*net.TCPAddr).AddrPort())

	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if _, err := (&TCPProber{}).Probe(ctx, tg, addr); err != nil {
		t.Fatalf("Probe(%s) = %v", tg, err)
	}
	c, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err = c.Read(make([]byte, 1))
	if !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("server read after probe = %v, want connection reset", err)
	}
}
