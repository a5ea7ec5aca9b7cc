package probe

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"syscall"
)

// ICMPError is a probe answered by an ICMP error: a router (or the host, or
// this machine) said why the echo request went no further.
type ICMPError struct {
	From netip.Addr // who sent the error
	V6   bool       // an ICMPv6 error
	Type uint8
	Code uint8
}

// The ICMP types we read as an answer to a probe.
const (
	icmp4Unreachable  = 3
	icmp4TimeExceeded = 11
	icmp4ParamProblem = 12
	icmp6Unreachable  = 1
	icmp6TimeExceeded = 3
	icmp6ParamProblem = 4
)

// Error is the reason as the DOWN message and the table show it:
// "host unreachable from 198.18.0.1", "prohibited by 198.18.0.1",
// "TTL exceeded at 198.18.0.5".
func (e *ICMPError) Error() string {
	by := e.From.String()
	if e.TimeExceeded() {
		return "TTL exceeded at " + by
	}
	if e.V6 {
		switch {
		case e.Type == icmp6Unreachable && e.Code == 0:
			return "no route from " + by
		case e.Type == icmp6Unreachable && (e.Code == 1 || e.Code == 5 || e.Code == 6):
			return "prohibited by " + by
		case e.Type == icmp6Unreachable && e.Code == 3:
			return "host unreachable from " + by
		case e.Type == icmp6Unreachable && e.Code == 4:
			return "port unreachable from " + by
		case e.Type == icmp6ParamProblem:
			return "parameter problem from " + by
		}
		return fmt.Sprintf("ICMPv6 error type %d code %d from %s", e.Type, e.Code, by)
	}
	switch {
	case e.Type == icmp4Unreachable && (e.Code == 0 || e.Code == 6 || e.Code == 11):
		return "network unreachable from " + by
	case e.Type == icmp4Unreachable && (e.Code == 1 || e.Code == 7 || e.Code == 12):
		return "host unreachable from " + by
	case e.Type == icmp4Unreachable && (e.Code == 9 || e.Code == 10 || e.Code == 13):
		return "prohibited by " + by
	case e.Type == icmp4Unreachable && e.Code == 2:
		return "protocol unreachable from " + by
	case e.Type == icmp4Unreachable && e.Code == 3:
		return "port unreachable from " + by
	case e.Type == icmp4ParamProblem:
		return "parameter problem from " + by
	}
	return fmt.Sprintf("ICMP error type %d code %d from %s", e.Type, e.Code, by)
}

// TimeExceeded reports whether the error is a TTL (hop limit) that ran out.
func (e *ICMPError) TimeExceeded() bool {
	if e.V6 {
		return e.Type == icmp6TimeExceeded
	}
	return e.Type == icmp4TimeExceeded
}

// Result is the probe outcome the error stands for, as counted in
// downtime_probes_total{result}: "unreachable", "prohibited" or
// "ttl_exceeded".
func (e *ICMPError) Result() string {
	switch {
	case e.TimeExceeded():
		return "ttl_exceeded"
	case e.V6 && e.Type == icmp6Unreachable && (e.Code == 1 || e.Code == 5 || e.Code == 6),
		!e.V6 && e.Type == icmp4Unreachable && (e.Code == 9 || e.Code == 10 || e.Code == 13):
		return "prohibited"
	}
	return "unreachable"
}

// failsProbe reports whether an ICMP error of this type ends a probe: the
// destination unreachable, time exceeded and parameter problem errors do;
// redirects, source quench and "packet too big" are advice, not a verdict.
func failsProbe(v6 bool, typ uint8) bool {
	if v6 {
		return typ == icmp6Unreachable || typ == icmp6TimeExceeded || typ == icmp6ParamProblem
	}
	return typ == icmp4Unreachable || typ == icmp4TimeExceeded || typ == icmp4ParamProblem
}

// Reason is the short reason a failed probe shows in the table, the DOWN
// message and the log: "timeout", "refused", "no such host", "no route",
// or an ICMP error's text. Anything else is the error's own text.
func Reason(err error) string {
	var ie *ICMPError
	var dnsErr *net.DNSError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &ie):
		return ie.Error()
	case errors.Is(err, ErrTimeout), errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return "timeout"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "refused"
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		return "no such host"
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return "no route"
	case errors.Is(err, syscall.EACCES), errors.Is(err, syscall.EPERM):
		return "prohibited here"
	case errors.Is(err, syscall.ECONNRESET):
		return "reset"
	}
	var re *ResolveError
	if errors.As(err, &re) {
		return "cannot resolve: " + re.Err.Error()
	}
	return err.Error()
}

// quoted is what an ICMP error tells about the echo request it quotes.
type quoted struct {
	typ, code uint8
	dst       netip.Addr // where the echo request was going
	echo      []byte     // the quoted echo request, from its ICMP header on
}

// parseRawError decodes an ICMP error read from a raw socket (for IPv4 with
// its IP header). ok is false for anything that is not an error quoting an
// ICMP echo request.
func parseRawError(msg []byte, v6 bool) (q quoted, ok bool) {
	if !v6 {
		if len(msg) < 20 {
			return q, false
		}
		hl := int(msg[0]&0x0f) * 4
		if hl < 20 || len(msg) < hl+8+20 {
			return q, false
		}
		q.typ, q.code = msg[hl], msg[hl+1]
		inner := msg[hl+8:]
		ihl := int(inner[0]&0x0f) * 4
		if inner[0]>>4 != 4 || ihl < 20 || len(inner) < ihl || inner[9] != 1 {
			return q, false
		}
		q.dst = netip.AddrFrom4([4]byte(inner[16:20]))
		q.echo = inner[ihl:]
		return q, failsProbe(false, q.typ) && len(q.echo) > 0 && q.echo[0] == 8
	}
	// ICMPv6 error, then the IPv6 header we sent (no extension headers:
	// we never send any), then our echo request.
	if len(msg) < 8+40 {
		return q, false
	}
	q.typ, q.code = msg[0], msg[1]
	inner := msg[8:]
	if inner[0]>>4 != 6 || inner[6] != 58 {
		return q, false
	}
	q.dst = netip.AddrFrom16([16]byte(inner[24:40]))
	q.echo = inner[40:]
	return q, failsProbe(true, q.typ) && len(q.echo) > 0 && q.echo[0] == 128
}

// parseEcho decodes our echo request (as quoted by an error) into r. The
// error must quote the whole request: the payload carries the host, the
// sequence number and the token that make it ours.
func (s *icmpSocket) parseEcho(echo []byte, r *reply) bool {
	if len(echo) < echoLen {
		return false
	}
	if s.raw && binary.BigEndian.Uint16(echo[4:6]) != s.id {
		return false
	}
	r.seq16 = binary.BigEndian.Uint16(echo[6:8])
	r.token = binary.BigEndian.Uint64(echo[8:16])
	r.id = HostID(binary.BigEndian.Uint32(echo[16:20]))
	r.seq = binary.BigEndian.Uint64(echo[20:28])
	return true
}
