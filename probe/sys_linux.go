//go:build linux

package probe

import (
	"net/netip"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The engine's sends and reads are raw system calls: the socket is
// non-blocking, so they never block, and through the runtime's wrappers a
// goroutine making thousands a second looks to sysmon like one stuck in a
// system call, which costs a handoff of its P and 20 µs polling (README,
// "Design"). gVisor's rawfile package writes packets the same way.

// sysState is what the raw calls need, kept in the socket so that they
// allocate nothing.
type sysState struct {
	sa4 unix.RawSockaddrInet4
	sa6 unix.RawSockaddrInet6
}

// sendTo sends pkt to addr; only the scheduler calls it.
func (s *icmpSocket) sendTo(pkt []byte, addr netip.Addr, zone uint32) error {
	var sa unsafe.Pointer
	var salen uintptr
	if addr.Is4() && !s.v6 {
		s.sys.sa4 = unix.RawSockaddrInet4{Family: unix.AF_INET, Addr: addr.As4()}
		sa, salen = unsafe.Pointer(&s.sys.sa4), unix.SizeofSockaddrInet4
	} else {
		s.sys.sa6 = unix.RawSockaddrInet6{Family: unix.AF_INET6, Addr: addr.As16(), Scope_id: zone}
		sa, salen = unsafe.Pointer(&s.sys.sa6), unix.SizeofSockaddrInet6
	}
	_, _, e := unix.RawSyscall6(unix.SYS_SENDTO, uintptr(s.fd), uintptr(unsafe.Pointer(&pkt[0])), uintptr(len(pkt)), 0, uintptr(sa), salen)
	if e != 0 {
		return e
	}
	return nil
}

// readerState is what recvBatch needs, kept in the reader.
type readerState struct {
	msgs [readBatch]unix.Mmsghdr
	iovs [readBatch]unix.Iovec
	rsas [readBatch]unix.RawSockaddrAny
}

// recvBatch reads up to readBatch packets with one recvmmsg(2) into rd.pkts
// without blocking; it returns unix.EAGAIN when none is waiting.
func (s *icmpSocket) recvBatch(rd *replyReader) (int, error) {
	st := &rd.sys
	for i := range st.msgs {
		st.iovs[i].Base = &rd.bufs[i][0]
		st.iovs[i].SetLen(len(rd.bufs[i]))
		st.msgs[i] = unix.Mmsghdr{Hdr: unix.Msghdr{
			Name:    (*byte)(unsafe.Pointer(&st.rsas[i])),
			Namelen: unix.SizeofSockaddrAny,
			Iov:     &st.iovs[i],
			Control: &rd.oobs[i][0],
		}}
		st.msgs[i].Hdr.SetIovlen(1)
		st.msgs[i].Hdr.SetControllen(len(rd.oobs[i]))
	}
	r, _, e := unix.RawSyscall6(unix.SYS_RECVMMSG, uintptr(s.fd), uintptr(unsafe.Pointer(&st.msgs[0])), readBatch, unix.MSG_DONTWAIT, 0, 0)
	if e != 0 {
		return 0, e
	}
	m := int(r)
	for i := range m {
		h := &st.msgs[i]
		p := &rd.pkts[i]
		p.data = rd.bufs[i][:min(int(h.Len), len(rd.bufs[i]))]
		p.oob = rd.oobs[i][:min(int(h.Hdr.Controllen), len(rd.oobs[i]))]
		p.from = netip.Addr{}
		switch st.rsas[i].Addr.Family {
		case unix.AF_INET:
			p.from = netip.AddrFrom4((*unix.RawSockaddrInet4)(unsafe.Pointer(&st.rsas[i])).Addr)
		case unix.AF_INET6:
			p.from = netip.AddrFrom16((*unix.RawSockaddrInet6)(unsafe.Pointer(&st.rsas[i])).Addr)
		}
	}
	return m, nil
}
