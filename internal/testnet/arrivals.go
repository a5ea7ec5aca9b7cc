package testnet

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"

	"golang.org/x/sys/unix"
)

// arrivals are the times the kernel received the requests as they came
// into the namespace: an AF_PACKET socket on its veth with SO_TIMESTAMPNS.
// A reply is due delay after its request's arrival, so how soon the
// responder's read loop picks the request up from the TUN is not in the
// RTT. That pickup took from a few µs (a thread of the responder's Go
// runtime was awake: its write loop waiting for a reply due soon) to ~0.1
// ms (all asleep in epoll), by the phase of one tool's probes against the
// other's, and the bench compares two tools' RTTs to 0.1 ms.
type arrivals struct {
	fd int
	at map[requestKey]time.Time
}

// requestKey tells an echo request from the others: forwarding changes
// its TTL and header checksum, not these.
type requestKey struct {
	src, dst     netip.Addr
	id, seq, sum uint16
}

// maxArrivals bounds the times kept for requests the read loop never
// takes (not for the TUN: neighbour discovery, a request lost by nft).
const maxArrivals = 4096

// openArrivals opens the socket on link in the calling thread's namespace.
func openArrivals(link string) (*arrivals, error) {
	ifi, err := net.InterfaceByName(link)
	if err != nil {
		return nil, err
	}
	proto := htons(unix.ETH_P_ALL)
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_DGRAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, int(proto))
	if err != nil {
		return nil, fmt.Errorf("AF_PACKET socket: %w", err)
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("SO_TIMESTAMPNS: %w", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: proto, Ifindex: ifi.Index}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("bind to %s: %w", link, err)
	}
	return &arrivals{fd: fd, at: map[requestKey]time.Time{}}, nil
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// take returns the arrival time of request pkt, just read from the TUN,
// and forgets it. Only the read loop calls it.
//
// The time is always there to read: the kernel queues a copy of each
// packet to this socket as the veth receives it, before routing forwards
// the packet into the TUN, in the same pass. So take reads what is queued
// without waiting. (It used to be read by a goroutine of its own, which a
// loaded machine could leave unscheduled for longer than take waited.)
func (a *arrivals) take(pkt []byte) (time.Time, bool) {
	key, ok := echoRequestKey(pkt)
	if !ok {
		return time.Time{}, false
	}
	if _, ok := a.at[key]; !ok {
		a.drain()
	}
	ts, ok := a.at[key]
	delete(a.at, key)
	return ts, ok
}

// drain records the arrival of every echo request queued on the socket.
func (a *arrivals) drain() {
	var buf [2048]byte
	var oob [128]byte
	for {
		n, oobn, _, from, err := unix.Recvmsg(a.fd, buf[:], oob[:], unix.MSG_DONTWAIT)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return // EAGAIN: nothing more queued
		}
		if ll, ok := from.(*unix.SockaddrLinklayer); !ok || ll.Pkttype == unix.PACKET_OUTGOING {
			continue
		}
		key, ok := echoRequestKey(buf[:n])
		if !ok {
			continue
		}
		ts, ok := packetTimestamp(oob[:oobn])
		if !ok {
			continue
		}
		if len(a.at) >= maxArrivals {
			clear(a.at)
		}
		a.at[key] = ts
	}
}

// close closes the socket; the read loop must have returned.
func (a *arrivals) close() { unix.Close(a.fd) }

// echoRequestKey is the key of an IPv4 or IPv6 echo request.
func echoRequestKey(pkt []byte) (requestKey, bool) {
	if len(pkt) < 1 {
		return requestKey{}, false
	}
	switch pkt[0] >> 4 {
	case 4:
		if len(pkt) < 20 {
			return requestKey{}, false
		}
		ihl := int(pkt[0]&0x0f) * 4
		if ihl < 20 || len(pkt) < ihl+8 || pkt[9] != 1 || pkt[ihl] != 8 {
			return requestKey{}, false
		}
		icmp := pkt[ihl:]
		return requestKey{
			src: netip.AddrFrom4([4]byte(pkt[12:16])), dst: netip.AddrFrom4([4]byte(pkt[16:20])),
			id: binary.BigEndian.Uint16(icmp[4:6]), seq: binary.BigEndian.Uint16(icmp[6:8]), sum: binary.BigEndian.Uint16(icmp[2:4]),
		}, true
	case 6:
		if len(pkt) < 48 || pkt[6] != 58 || pkt[40] != 128 {
			return requestKey{}, false
		}
		icmp := pkt[40:]
		return requestKey{
			src: netip.AddrFrom16([16]byte(pkt[8:24])), dst: netip.AddrFrom16([16]byte(pkt[24:40])),
			id: binary.BigEndian.Uint16(icmp[4:6]), seq: binary.BigEndian.Uint16(icmp[6:8]), sum: binary.BigEndian.Uint16(icmp[2:4]),
		}, true
	}
	return requestKey{}, false
}

// packetTimestamp is the kernel's receive time from an SCM_TIMESTAMPNS
// control message.
func packetTimestamp(oob []byte) (time.Time, bool) {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return time.Time{}, false
	}
	for _, m := range msgs {
		if m.Header.Level == unix.SOL_SOCKET && m.Header.Type == unix.SCM_TIMESTAMPNS && len(m.Data) >= 16 {
			sec := int64(binary.NativeEndian.Uint64(m.Data[0:8]))
			nsec := int64(binary.NativeEndian.Uint64(m.Data[8:16]))
			return time.Unix(sec, nsec), true
		}
	}
	return time.Time{}, false
}
