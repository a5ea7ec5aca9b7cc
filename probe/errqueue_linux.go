//go:build linux

package probe

import (
	"encoding/binary"
	"net/netip"
	"time"

	"golang.org/x/sys/unix"
)

// enableRecvErr asks a ping socket for the ICMP errors about its requests,
// which the kernel then keeps in the socket's error queue.
func enableRecvErr(fd int, v6 bool) error {
	if v6 {
		return unix.SetsockoptInt(fd, unix.SOL_IPV6, unix.IPV6_RECVERR, 1)
	}
	return unix.SetsockoptInt(fd, unix.SOL_IP, unix.IP_RECVERR, 1)
}

// The origins of a sock_extended_err (<linux/errqueue.h>).
const (
	eeOriginICMP  = 2
	eeOriginICMP6 = 3
)

// drainErrors reads a ping socket's error queue (MSG_ERRQUEUE) into
// rd.replies (or rd.foreign) and returns how many errors it read. Errors
// are rare, so this goes through the ordinary wrapper.
func (s *icmpSocket) drainErrors(rd *replyReader, now time.Time) int {
	n := 0
	for {
		m, oobn, _, from, err := unix.Recvmsg(s.fd, rd.ebuf[:], rd.eoob[:], unix.MSG_ERRQUEUE|unix.MSG_DONTWAIT)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return n
		}
		n++
		var dst netip.Addr
		switch sa := from.(type) {
		case *unix.SockaddrInet4:
			dst = netip.AddrFrom4(sa.Addr)
		case *unix.SockaddrInet6:
			dst = netip.AddrFrom16(sa.Addr).Unmap()
		}
		r, ok := s.parseQueuedError(rd.ebuf[:min(m, len(rd.ebuf))], rd.eoob[:oobn], dst)
		if !ok {
			rd.foreign++
			continue
		}
		r.at = now
		if ts, ok := kernelTimestamp(rd.eoob[:oobn]); ok {
			if d := now.Sub(ts); d > 0 && d < time.Second {
				r.at = now.Add(-d)
			}
		}
		rd.replies = append(rd.replies, r)
	}
}

// parseQueuedError decodes one entry of a ping socket's error queue: the
// data is our echo request as the error quoted it, the control message a
// sock_extended_err followed by the address of who sent the error.
func (s *icmpSocket) parseQueuedError(data, oob []byte, dst netip.Addr) (r reply, ok bool) {
	for len(oob) > 0 {
		h, cm, rest, err := unix.ParseOneSocketControlMessage(oob)
		if err != nil {
			return r, false
		}
		oob = rest
		isErr := (h.Level == unix.SOL_IP && h.Type == unix.IP_RECVERR) ||
			(h.Level == unix.SOL_IPV6 && h.Type == unix.IPV6_RECVERR)
		if !isErr || len(cm) < 16 {
			continue
		}
		origin, typ, code := cm[4], cm[5], cm[6]
		if origin != eeOriginICMP && origin != eeOriginICMP6 {
			return r, false // a local error (EMSGSIZE…), not an answer
		}
		v6 := origin == eeOriginICMP6
		if !failsProbe(v6, typ) || !s.parseEcho(data, &r) {
			return r, false
		}
		from, ok := offender(cm[16:])
		if !ok {
			return r, false
		}
		r.from, r.dst = from, dst
		r.err = &ICMPError{From: from, V6: v6, Type: typ, Code: code}
		return r, true
	}
	return r, false
}

// offender decodes SO_EE_OFFENDER, the sockaddr that follows a
// sock_extended_err.
func offender(b []byte) (netip.Addr, bool) {
	if len(b) < 2 {
		return netip.Addr{}, false
	}
	switch binary.NativeEndian.Uint16(b[0:2]) {
	case unix.AF_INET:
		if len(b) >= 8 {
			return netip.AddrFrom4([4]byte(b[4:8])), true
		}
	case unix.AF_INET6:
		if len(b) >= 24 {
			return netip.AddrFrom16([16]byte(b[8:24])).Unmap(), true
		}
	}
	return netip.Addr{}, false
}
