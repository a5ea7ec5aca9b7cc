package probe

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"
)

// TCPProber probes a target by completing a TCP handshake with it. The zero
// value is ready to use and safe for concurrent use.
type TCPProber struct{}

var _ Prober = (*TCPProber)(nil)

// Probe connects to addr:t.Port (or to t.Host when addr is not valid and
// Host is an IP literal) and returns the time the handshake took.
func (p *TCPProber) Probe(ctx context.Context, t Target, addr netip.Addr) (time.Duration, error) {
	if !addr.IsValid() {
		a, ok := t.Literal()
		if !ok {
			// Resolving is the caller's job; a prober never touches DNS.
			return 0, fmt.Errorf("tcp probe %s: no address to dial", t)
		}
		addr = a
	}
	if t.Port == 0 {
		return 0, fmt.Errorf("tcp probe %s: no port", t)
	}
	ap := netip.AddrPortFrom(addr.Unmap(), t.Port)

	// KeepAlive < 0 skips the keep-alive setsockopt calls: the connection
	// lives for a microsecond, and at thousands of probes a second every
	// syscall counts. The deadline comes from ctx, not Dialer.Timeout.
	d := net.Dialer{KeepAlive: -1}
	start := time.Now()
	conn, err := d.DialContext(ctx, "tcp", ap.String())
	rtt := time.Since(start)
	if err != nil {
		return 0, tcpDialError(ctx, ap, err)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		// Linger 0 closes with RST instead of FIN, so no TIME_WAIT socket is
		// left behind for each probe; with thousands of hosts a second those
		// would exhaust the ephemeral ports.
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
	return rtt, nil
}

// tcpDialError classifies a failed dial: a passed deadline is ErrTimeout, a
// cancel stays a cancel, and anything else (refused, unreachable) is returned
// as the dialer said it.
func tcpDialError(ctx context.Context, ap netip.AddrPort, err error) error {
	var ne net.Error
	switch {
	case errors.Is(ctx.Err(), context.Canceled):
		return fmt.Errorf("tcp connect %s: %w", ap, context.Canceled)
	case errors.Is(ctx.Err(), context.DeadlineExceeded),
		errors.Is(err, context.DeadlineExceeded),
		errors.As(err, &ne) && ne.Timeout():
		return fmt.Errorf("tcp connect %s: %w", ap, ErrTimeout)
	}
	return err // e.g. "dial tcp 127.0.0.1:9: connect: connection refused"
}
