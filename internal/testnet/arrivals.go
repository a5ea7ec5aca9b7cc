package testnet

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"runtime"
	"sync"
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
	f  *os.File
	mu sync.Mutex
	at map[requestKey]time.Time
}

// requestKey tells an echo request from the others: forwarding changes
// its TTL and header checksum, not these.
type requestKey struct {
	src, dst     netip.Addr
	id, seq, sum uint16
}

// arrivalWait is how long the read loop waits for a request's arrival
// time, read by another goroutine; past it the request counts from its
// pickup (the fixture is then no worse than without arrivals).
const arrivalWait = 2 * time.Millisecond

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
	return &arrivals{f: os.NewFile(uintptr(fd), "packet:"+link), at: map[requestKey]time.Time{}}, nil
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// run records the arrival of every echo request until close.
func (a *arrivals) run() {
	rc, err := a.f.SyscallConn()
	if err != nil {
		return
	}
	buf := make([]byte, 2048)
	oob := make([]byte, 128)
	for {
		var n, oobn int
		var from unix.Sockaddr
		var rerr error
		err := rc.Read(func(fd uintptr) bool {
			n, oobn, _, from, rerr = unix.Recvmsg(int(fd), buf, oob, 0)
			return rerr != unix.EAGAIN
		})
		if err != nil || (rerr != nil && !errors.Is(rerr, unix.EINTR)) {
			return // closed
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
		a.mu.Lock()
		if len(a.at) >= maxArrivals {
			clear(a.at)
		}
		a.at[key] = ts
		a.mu.Unlock()
	}
}

// take returns the arrival time of request pkt, waiting at most
// arrivalWait for it, and forgets it.
func (a *arrivals) take(pkt []byte) (time.Time, bool) {
	key, ok := echoRequestKey(pkt)
	if !ok {
		return time.Time{}, false
	}
	deadline := time.Now().Add(arrivalWait)
	for {
		a.mu.Lock()
		ts, ok := a.at[key]
		delete(a.at, key)
		a.mu.Unlock()
		if ok || time.Now().After(deadline) {
			return ts, ok
		}
		runtime.Gosched()
	}
}

func (a *arrivals) close() { a.f.Close() }

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
