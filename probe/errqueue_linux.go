//go:build linux

package probe

import (
	"encoding/binary"
	"net/netip"
	"time"
	"unsafe"

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
// rd.replies (or rd.foreign) and returns how many errors it read.
func (s *icmpSocket) drainErrors(rd *replyReader, now time.Time) int {
	n := 0
	for {
		m, oobn, dst, err := s.recvError(rd)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return n
		}
		n++
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

// recvError reads one entry of the error queue into rd.ebuf and rd.eoob
// with a raw recvmsg(2) on the reader's kept headers (recvBatch sets them
// anew each time): it is called on every wake-up that reads nothing, so it
// allocates nothing. It returns the data's and control messages' lengths
// and the address the failed request went to.
func (s *icmpSocket) recvError(rd *replyReader) (n, oobn int, dst netip.Addr, err error) {
	st := &rd.sys
	st.iovs[0].Base = &rd.ebuf[0]
	st.iovs[0].SetLen(len(rd.ebuf))
	st.rsas[0] = unix.RawSockaddrAny{}
	h := &st.msgs[0].Hdr
	*h = unix.Msghdr{
		Name:    (*byte)(unsafe.Pointer(&st.rsas[0])),
		Namelen: unix.SizeofSockaddrAny,
		Iov:     &st.iovs[0],
		Control: &rd.eoob[0],
	}
	h.SetIovlen(1)
	h.SetControllen(len(rd.eoob))
	r, _, e := unix.RawSyscall(unix.SYS_RECVMSG, uintptr(s.fd), uintptr(unsafe.Pointer(h)), unix.MSG_ERRQUEUE|unix.MSG_DONTWAIT)
	if e != 0 {
		return 0, 0, netip.Addr{}, e
	}
	switch st.rsas[0].Addr.Family {
	case unix.AF_INET:
		dst = netip.AddrFrom4((*unix.RawSockaddrInet4)(unsafe.Pointer(&st.rsas[0])).Addr)
	case unix.AF_INET6:
		dst = netip.AddrFrom16((*unix.RawSockaddrInet6)(unsafe.Pointer(&st.rsas[0])).Addr).Unmap()
	}
	return int(r), min(int(h.Controllen), len(rd.eoob)), dst, nil
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
