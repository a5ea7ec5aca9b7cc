package probe

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"syscall"
	"time"

	"golang.org/x/net/bpf"
	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
	"golang.org/x/sys/unix"
)

// ICMPMode says which kind of ICMP socket to use.
type ICMPMode uint8

// The ICMP socket modes.
const (
	ModeAuto     ICMPMode = iota // unprivileged datagram if allowed, else raw
	ModeDatagram                 // SOCK_DGRAM "ping" socket (net.ipv4.ping_group_range)
	ModeRaw                      // SOCK_RAW (root or CAP_NET_RAW)
)

// ErrNoICMP is returned when no kind of ICMP socket can be opened.
var ErrNoICMP = errors.New("cannot open an ICMP socket: neither an unprivileged ping socket nor a raw socket is allowed\n" +
	"  fix one of:\n" +
	"    sudo setcap cap_net_raw+ep $(command -v downtime)          # allow raw ICMP for this binary\n" +
	"    sudo sysctl -w net.ipv4.ping_group_range=\"0 2147483647\"   # allow unprivileged ping sockets for all groups\n" +
	"  or probe tcp://host:port targets, or run with --demo")

// payloadLen is the size of our echo payload: token(8) hostID(4) seq(8).
// The token is random per probe, so a reply only counts when it carries the
// exact bytes we sent: corrupted, foreign and forged replies do not match.
const payloadLen = 20

// socketBuffer is the receive buffer we ask for: at 20,000 hosts a second a
// scheduling hiccup of 50 ms is 1,000 replies; the default (~200 KB) holds
// too few of them.
const socketBuffer = 4 << 20

// icmpSocket is one ICMP socket shared by every host of one address family.
type icmpSocket struct {
	v6   bool
	raw  bool
	id   uint16 // echo identifier: ours (raw) or the kernel's local port (datagram)
	ip   *net.IPConn
	udp  *net.UDPConn
	conn net.PacketConn
	// kernelTS is true when replies carry SO_TIMESTAMPNS receive times.
	kernelTS bool
}

// openICMP opens the socket for one family in the given mode.
func openICMP(v6 bool, mode ICMPMode) (*icmpSocket, error) {
	switch mode {
	case ModeDatagram:
		return openDatagram(v6)
	case ModeRaw:
		return openRaw(v6)
	}
	s, derr := openDatagram(v6)
	if derr == nil {
		return s, nil
	}
	s, rerr := openRaw(v6)
	if rerr == nil {
		return s, nil
	}
	if isPermission(derr) && isPermission(rerr) {
		return nil, ErrNoICMP
	}
	return nil, fmt.Errorf("open ICMP socket: datagram: %v; raw: %w", derr, rerr)
}

func isPermission(err error) bool {
	return errors.Is(err, os.ErrPermission) || errors.Is(err, syscall.EACCES) || errors.Is(err, syscall.EPERM)
}

// openDatagram opens an unprivileged ICMP "ping" socket. The kernel owns the
// echo identifier (our local port) and delivers only replies that carry it.
func openDatagram(v6 bool) (*icmpSocket, error) {
	family, proto, network := unix.AF_INET, unix.IPPROTO_ICMP, "udp4"
	var sa unix.Sockaddr = &unix.SockaddrInet4{}
	if v6 {
		family, proto, network = unix.AF_INET6, unix.IPPROTO_ICMPV6, "udp6"
		sa = &unix.SockaddrInet6{}
	}
	fd, err := socketCloexec(family, unix.SOCK_DGRAM, proto)
	if err != nil {
		return nil, fmt.Errorf("%s ping socket: %w", network, err)
	}
	if err := unix.Bind(fd, sa); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("%s ping socket: bind: %w", network, err)
	}
	f := os.NewFile(uintptr(fd), "icmp-"+network)
	c, err := net.FilePacketConn(f)
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("%s ping socket: %w", network, err)
	}
	udp, ok := c.(*net.UDPConn)
	if !ok {
		c.Close()
		return nil, fmt.Errorf("%s ping socket: unexpected conn type %T", network, c)
	}
	s := &icmpSocket{v6: v6, udp: udp, conn: udp, id: uint16(udp.LocalAddr().(*net.UDPAddr).Port)}
	s.tune()
	return s, nil
}

// openRaw opens a raw ICMP socket with a kernel filter that passes only echo
// replies carrying our identifier, so the reader does not wake for every
// ICMP packet the machine receives (including our own requests on loopback).
func openRaw(v6 bool) (*icmpSocket, error) {
	network, laddr := "ip4:icmp", "0.0.0.0"
	if v6 {
		network, laddr = "ip6:ipv6-icmp", "::"
	}
	c, err := net.ListenPacket(network, laddr)
	if err != nil {
		return nil, fmt.Errorf("raw %s socket: %w", network, err)
	}
	ipc := c.(*net.IPConn)
	s := &icmpSocket{v6: v6, raw: true, ip: ipc, conn: ipc, id: uint16(rand.N(1 << 16))}
	if err := s.setFilter(); err != nil {
		c.Close()
		return nil, fmt.Errorf("raw %s socket: filter: %w", network, err)
	}
	s.tune()
	return s, nil
}

// setFilter attaches the BPF program (and for IPv6 the ICMP6_FILTER).
func (s *icmpSocket) setFilter() error {
	replyType := uint32(ipv4.ICMPTypeEchoReply)
	var prog []bpf.Instruction
	if s.v6 {
		// Raw ICMPv6 sockets deliver the ICMP message without the IP header.
		replyType = uint32(ipv6.ICMPTypeEchoReply)
		prog = []bpf.Instruction{
			bpf.LoadAbsolute{Off: 0, Size: 1},
			bpf.JumpIf{Cond: bpf.JumpEqual, Val: replyType, SkipFalse: 3},
			bpf.LoadAbsolute{Off: 4, Size: 2},
			bpf.JumpIf{Cond: bpf.JumpEqual, Val: uint32(s.id), SkipFalse: 1},
			bpf.RetConstant{Val: 0xffff},
			bpf.RetConstant{Val: 0},
		}
	} else {
		// Raw IPv4 sockets deliver the IP header too: X = header length.
		prog = []bpf.Instruction{
			bpf.LoadMemShift{Off: 0},
			bpf.LoadIndirect{Off: 0, Size: 1},
			bpf.JumpIf{Cond: bpf.JumpEqual, Val: replyType, SkipFalse: 3},
			bpf.LoadIndirect{Off: 4, Size: 2},
			bpf.JumpIf{Cond: bpf.JumpEqual, Val: uint32(s.id), SkipFalse: 1},
			bpf.RetConstant{Val: 0xffff},
			bpf.RetConstant{Val: 0},
		}
	}
	raw, err := bpf.Assemble(prog)
	if err != nil {
		return err
	}
	if s.v6 {
		pc := ipv6.NewPacketConn(s.ip)
		var f ipv6.ICMPFilter
		f.SetAll(true)
		f.Accept(ipv6.ICMPTypeEchoReply)
		if err := pc.SetICMPFilter(&f); err != nil {
			return err
		}
		return pc.SetBPF(raw)
	}
	return ipv4.NewPacketConn(s.ip).SetBPF(raw)
}

// tune asks for a large receive buffer and kernel receive timestamps; both
// are best effort.
func (s *icmpSocket) tune() {
	rc, err := s.conn.(syscall.Conn).SyscallConn()
	if err != nil {
		return
	}
	rc.Control(func(fd uintptr) { s.kernelTS = tuneFD(int(fd)) }) // sockopt_*.go
}

// close closes the socket; a blocked read returns.
func (s *icmpSocket) close() error { return s.conn.Close() }

// echoRequest builds the echo request for one probe.
func (s *icmpSocket) echoRequest(buf []byte, seq uint64, id HostID, token uint64) ([]byte, error) {
	payload := buf[:payloadLen]
	binary.BigEndian.PutUint64(payload[0:8], token)
	binary.BigEndian.PutUint32(payload[8:12], uint32(id))
	binary.BigEndian.PutUint64(payload[12:20], seq)
	var typ icmp.Type = ipv4.ICMPTypeEcho
	if s.v6 {
		typ = ipv6.ICMPTypeEchoRequest
	}
	m := icmp.Message{Type: typ, Body: &icmp.Echo{ID: int(s.id), Seq: int(uint16(seq)), Data: payload}}
	// For ICMPv6 the kernel computes the checksum (it needs the pseudo-header).
	return m.Marshal(nil)
}

// send writes one echo request to addr.
func (s *icmpSocket) send(pkt []byte, addr netip.Addr) error {
	var err error
	if s.raw {
		_, err = s.ip.WriteToIP(pkt, &net.IPAddr{IP: addr.AsSlice()})
	} else {
		_, err = s.udp.WriteToUDPAddrPort(pkt, netip.AddrPortFrom(addr, 0))
	}
	return err
}

// reply is one echo reply as read from the socket.
type reply struct {
	from  netip.Addr
	seq16 uint16
	id    HostID
	seq   uint64
	token uint64
	at    time.Time // kernel receive time, or when read
}

// read blocks for the next packet and decodes it. ok is false for packets
// that are not one of our echo replies.
func (s *icmpSocket) read(buf, oob []byte) (r reply, ok bool, err error) {
	var n, oobn int
	var from netip.Addr
	if s.raw {
		var addr *net.IPAddr
		n, oobn, _, addr, err = s.ip.ReadMsgIP(buf, oob)
		if addr != nil {
			from, _ = netip.AddrFromSlice(addr.IP)
		}
	} else {
		var ap netip.AddrPort
		n, oobn, _, ap, err = s.udp.ReadMsgUDPAddrPort(buf, oob)
		from = ap.Addr()
	}
	if err != nil {
		return r, false, err
	}
	r.at = time.Now()
	if s.kernelTS {
		// The kernel stamped the packet when it arrived: this leaves out our
		// own scheduling delay from the RTT. The stamp is wall-clock time, so
		// only the (small) delay is taken from it and r.at keeps its
		// monotonic reading; a clock step shows as an absurd delay and is
		// ignored.
		if ts, ok := kernelTimestamp(oob[:oobn]); ok {
			if d := r.at.Sub(ts); d > 0 && d < time.Second {
				r.at = r.at.Add(-d)
			}
		}
	}
	msg := buf[:n]
	if s.raw && !s.v6 {
		// ReadMsgIP keeps the IPv4 header; skip it.
		if len(msg) < 20 {
			return r, false, nil
		}
		hl := int(msg[0]&0x0f) * 4
		if hl < 20 || hl > len(msg) {
			return r, false, nil
		}
		msg = msg[hl:]
	}
	proto := 1
	if s.v6 {
		proto = 58
	}
	m, perr := icmp.ParseMessage(proto, msg)
	if perr != nil {
		return r, false, nil
	}
	echo, isEcho := m.Body.(*icmp.Echo)
	if !isEcho || (m.Type != ipv4.ICMPTypeEchoReply && m.Type != ipv6.ICMPTypeEchoReply) {
		return r, false, nil
	}
	if s.raw && uint16(echo.ID) != s.id {
		return r, false, nil
	}
	if len(echo.Data) < payloadLen {
		return r, false, nil
	}
	r.from = from.Unmap()
	r.seq16 = uint16(echo.Seq)
	r.token = binary.BigEndian.Uint64(echo.Data[0:8])
	r.id = HostID(binary.BigEndian.Uint32(echo.Data[8:12]))
	r.seq = binary.BigEndian.Uint64(echo.Data[12:20])
	return r, true, nil
}

// kernelTimestamp finds SCM_TIMESTAMPNS in a control message.
func kernelTimestamp(oob []byte) (time.Time, bool) {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return time.Time{}, false
	}
	for _, m := range msgs {
		if isTimestamp(m.Header) && len(m.Data) >= 16 {
			sec := int64(binary.NativeEndian.Uint64(m.Data[0:8]))
			nsec := int64(binary.NativeEndian.Uint64(m.Data[8:16]))
			return time.Unix(sec, nsec), true
		}
	}
	return time.Time{}, false
}
