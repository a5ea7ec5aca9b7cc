package probe

import (
	"encoding/binary"
	"net"
	"net/netip"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// sendTTL sends one trace probe with the given TTL (hop limit). The TTL
// goes with the packet as a control message (IP_TTL, IPV6_HOPLIMIT), so the
// shared socket's own setting, and the hosts' probes that the scheduler
// sends at the same time, are untouched. It uses its own buffers: only the
// scheduler may use the socket's.
func (s *icmpSocket) sendTTL(pkt []byte, addr netip.Addr, ttl int) error {
	var oob [64]byte
	n := unix.CmsgSpace(4)
	h := (*unix.Cmsghdr)(unsafe.Pointer(&oob[0]))
	h.SetLen(unix.CmsgLen(4))
	var sa unix.Sockaddr
	if s.v6 {
		h.Level, h.Type = unix.IPPROTO_IPV6, unix.IPV6_HOPLIMIT
		sa6 := &unix.SockaddrInet6{Addr: addr.As16()}
		if z := addr.Zone(); z != "" {
			ifi, err := net.InterfaceByName(z)
			if err != nil {
				return err
			}
			sa6.ZoneId = uint32(ifi.Index)
		}
		sa = sa6
	} else {
		h.Level, h.Type = unix.IPPROTO_IP, unix.IP_TTL
		sa = &unix.SockaddrInet4{Addr: addr.As4()}
	}
	binary.NativeEndian.PutUint32(oob[unix.CmsgLen(0):], uint32(ttl))
	for retried := false; ; {
		_, err := unix.SendmsgN(s.fd, pkt, oob[:n], sa, 0)
		if err == unix.EINTR {
			continue
		}
		if err != nil && s.sendFailed(err, retried) {
			retried = true
			continue
		}
		if err != nil {
			return os.NewSyscallError("sendmsg", err)
		}
		return nil
	}
}
