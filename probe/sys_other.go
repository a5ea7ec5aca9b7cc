//go:build unix && !linux

package probe

import (
	"net/netip"

	"golang.org/x/sys/unix"
)

// sysState is what sendTo needs, kept in the socket so that a send
// allocates nothing. (Linux makes raw system calls; see sys_linux.go.)
type sysState struct {
	sa4 unix.SockaddrInet4
	sa6 unix.SockaddrInet6
}

// sendTo sends pkt to addr; only the scheduler calls it.
func (s *icmpSocket) sendTo(pkt []byte, addr netip.Addr, zone uint32) error {
	if addr.Is4() && !s.v6 {
		s.sys.sa4.Addr = addr.As4()
		return unix.Sendto(s.fd, pkt, 0, &s.sys.sa4)
	}
	s.sys.sa6.Addr, s.sys.sa6.ZoneId = addr.As16(), zone
	return unix.Sendto(s.fd, pkt, 0, &s.sys.sa6)
}

// readerState is what recvBatch needs, kept in the reader.
type readerState struct{}

// recvBatch reads one packet into rd.pkts without blocking; it returns
// unix.EAGAIN when none is waiting.
func (s *icmpSocket) recvBatch(rd *replyReader) (int, error) {
	n, oobn, _, sa, err := unix.Recvmsg(s.fd, rd.bufs[0][:], rd.oobs[0][:], unix.MSG_DONTWAIT)
	if err != nil {
		return 0, err
	}
	p := &rd.pkts[0]
	p.data, p.oob, p.from = rd.bufs[0][:n], rd.oobs[0][:oobn], netip.Addr{}
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		p.from = netip.AddrFrom4(sa.Addr)
	case *unix.SockaddrInet6:
		p.from = netip.AddrFrom16(sa.Addr)
	}
	return 1, nil
}
