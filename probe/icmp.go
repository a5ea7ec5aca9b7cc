package probe

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/net/bpf"
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
// It is a bare non-blocking descriptor, kept out of the Go runtime's network
// poller, which would wake a thread for every packet: here a packet wakes a
// thread only when the reader waits for one (see replyWaiter).
type icmpSocket struct {
	v6  bool
	raw bool
	id  uint16 // echo identifier: ours (raw) or the kernel's local port (datagram)
	fd  int
	// kernelTS is true when replies carry SO_TIMESTAMPNS receive times.
	kernelTS bool

	// The scheduler's scratch space: it alone sends, so it reuses these and
	// a send allocates nothing.
	pkt [echoLen]byte
	sys sysState // sys_*.go

	// drained counts the packets the scheduler has read; the reader rests
	// longer while it grows.
	drained   atomic.Uint64
	closeOnce sync.Once

	// errorsHidden says why ICMP errors cannot be read ("" when they can).
	errorsHidden string
	// errPending is set when a send consumed a ping socket's pending error
	// (see sendFailed): its error queue then needs reading.
	errPending atomic.Bool
}

// sendFailed reports whether a send that failed with err should be tried
// again. On a ping socket with IP_RECVERR, an ICMP error about an earlier
// probe (any host's) also sets the socket's pending error, and the next
// send fails with it and clears it: that send did not fail, so it goes
// again, once, and the error queue is read at the next drain.
func (s *icmpSocket) sendFailed(err error, retried bool) bool {
	if s.raw || s.errorsHidden != "" {
		return false
	}
	switch err {
	case unix.EHOSTUNREACH, unix.ENETUNREACH, unix.EACCES, unix.ECONNREFUSED, unix.EPROTO, unix.EHOSTDOWN:
		s.errPending.Store(true)
		return !retried
	}
	return false
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
	local, err := unix.Getsockname(fd)
	if err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("%s ping socket: %w", network, err)
	}
	var port int
	switch a := local.(type) {
	case *unix.SockaddrInet4:
		port = a.Port
	case *unix.SockaddrInet6:
		port = a.Port
	}
	s := &icmpSocket{v6: v6, fd: fd, id: uint16(port)}
	if err := s.tune(); err != nil {
		s.close()
		return nil, fmt.Errorf("%s ping socket: %w", network, err)
	}
	return s, nil
}

// openRaw opens a raw ICMP socket with a kernel filter that passes only echo
// replies carrying our identifier, so the reader does not wake for every
// ICMP packet the machine receives (including our own requests on loopback).
func openRaw(v6 bool) (*icmpSocket, error) {
	family, proto, network := unix.AF_INET, unix.IPPROTO_ICMP, "ip4:icmp"
	if v6 {
		family, proto, network = unix.AF_INET6, unix.IPPROTO_ICMPV6, "ip6:ipv6-icmp"
	}
	fd, err := socketCloexec(family, unix.SOCK_RAW, proto)
	if err != nil {
		return nil, fmt.Errorf("raw %s socket: %w", network, err)
	}
	s := &icmpSocket{v6: v6, raw: true, fd: fd, id: uint16(rand.N(1 << 16))}
	if err := s.setFilter(); err != nil {
		s.close()
		return nil, fmt.Errorf("raw %s socket: filter: %w", network, err)
	}
	if err := s.tune(); err != nil {
		s.close()
		return nil, fmt.Errorf("raw %s socket: %w", network, err)
	}
	return s, nil
}

// setFilter attaches the BPF program (and for IPv6 the ICMP6_FILTER). It
// passes echo replies carrying our identifier and the ICMP errors that may
// quote one of our echo requests (destination unreachable, time exceeded,
// parameter problem): whether an error quotes ours is checked when it is
// read (see parseRawError), as errors are rare and the quoted header sits
// behind a second IP header that a socket filter cannot follow.
func (s *icmpSocket) setFilter() error {
	replyType := uint32(ipv4.ICMPTypeEchoReply)
	errTypes := [3]uint32{icmp4Unreachable, icmp4TimeExceeded, icmp4ParamProblem}
	load := func(off uint32) bpf.Instruction { return bpf.LoadIndirect{Off: off, Size: 1} }
	loadID := bpf.Instruction(bpf.LoadIndirect{Off: 4, Size: 2})
	// Raw IPv4 sockets deliver the IP header too: X = header length.
	prog := []bpf.Instruction{bpf.LoadMemShift{Off: 0}}
	if s.v6 {
		// Raw ICMPv6 sockets deliver the ICMP message without the IP header.
		replyType = uint32(ipv6.ICMPTypeEchoReply)
		errTypes = [3]uint32{icmp6Unreachable, icmp6TimeExceeded, icmp6ParamProblem}
		load = func(off uint32) bpf.Instruction { return bpf.LoadAbsolute{Off: off, Size: 1} }
		loadID = bpf.LoadAbsolute{Off: 4, Size: 2}
		prog = nil
	}
	prog = append(prog,
		load(0),
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: replyType, SkipFalse: 2},
		loadID,
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: uint32(s.id), SkipTrue: 4, SkipFalse: 3},
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: errTypes[0], SkipTrue: 3},
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: errTypes[1], SkipTrue: 2},
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: errTypes[2], SkipTrue: 1},
		bpf.RetConstant{Val: 0},
		bpf.RetConstant{Val: 0xffff},
	)
	raw, err := bpf.Assemble(prog)
	if err != nil {
		return err
	}
	return attachFilter(s.fd, s.v6, raw) // icmpfilter_*.go
}

// tune makes the socket non-blocking, asks for a large receive buffer and
// kernel receive timestamps (both best effort), and on a raw IPv4 socket
// turns away every ICMP type but echo reply and the errors before the BPF
// program runs; on a ping socket it asks for ICMP errors (IP_RECVERR).
func (s *icmpSocket) tune() error {
	if err := unix.SetNonblock(s.fd, true); err != nil {
		return err
	}
	s.kernelTS = tuneFD(s.fd) // sockopt_*.go
	if s.raw && !s.v6 {
		// Best effort: the BPF program is what guarantees the filtering.
		acceptOnlyEchoRepliesAndErrors(s.fd) // icmpfilter_*.go
	}
	if !s.raw {
		// A ping socket hands ICMP errors about our requests to the error
		// queue only with IP_RECVERR; without it the kernel drops them and
		// a probe stopped by a router can only time out.
		if err := enableRecvErr(s.fd, s.v6); err != nil { // errqueue_*.go
			s.errorsHidden = fmt.Sprintf("the kernel does not pass ICMP errors to ping sockets (IP_RECVERR: %v): a probe stopped by a router is reported as a timeout", err)
		}
	}
	return nil
}

// close closes the socket. The engine calls it only once its scheduler and
// reader have stopped using the descriptor.
func (s *icmpSocket) close() error {
	err := net.ErrClosed
	s.closeOnce.Do(func() { err = unix.Close(s.fd) })
	return err
}

// echoLen is the size of our echo requests: the ICMP header and the payload.
const echoLen = 8 + payloadLen

// echoRequest builds the echo request for one probe in buf.
func (s *icmpSocket) echoRequest(buf *[echoLen]byte, seq uint64, id HostID, token uint64) []byte {
	typ := byte(ipv4.ICMPTypeEcho)
	if s.v6 {
		typ = byte(ipv6.ICMPTypeEchoRequest)
	}
	b := buf[:]
	b[0], b[1], b[2], b[3] = typ, 0, 0, 0
	binary.BigEndian.PutUint16(b[4:6], s.id)
	binary.BigEndian.PutUint16(b[6:8], uint16(seq))
	binary.BigEndian.PutUint64(b[8:16], token)
	binary.BigEndian.PutUint32(b[16:20], uint32(id))
	binary.BigEndian.PutUint64(b[20:28], seq)
	// For ICMPv6 the kernel computes the checksum (it needs the pseudo-header).
	if !s.v6 {
		binary.BigEndian.PutUint16(b[2:4], checksum(b))
	}
	return b
}

// checksum is the Internet checksum of b.
func checksum(b []byte) uint16 {
	var sum uint32
	for ; len(b) >= 2; b = b[2:] {
		sum += uint32(b[0])<<8 | uint32(b[1])
	}
	if len(b) == 1 {
		sum += uint32(b[0]) << 8
	}
	for sum > 0xffff {
		sum = sum>>16 + sum&0xffff
	}
	return ^uint16(sum)
}

// sendWait is how long a send waits for room in a full socket buffer before
// it fails.
const sendWait = time.Second

// send writes one echo request to addr; only the scheduler sends.
func (s *icmpSocket) send(pkt []byte, addr netip.Addr) error {
	var zone uint32
	if z := addr.Zone(); z != "" {
		ifi, err := net.InterfaceByName(z)
		if err != nil {
			return fmt.Errorf("zone %s: %w", z, err)
		}
		zone = uint32(ifi.Index)
	}
	for waited, retried := false, false; ; {
		err := s.sendTo(pkt, addr, zone)
		switch {
		case err == unix.EINTR:
			continue
		case err != nil && s.sendFailed(err, retried):
			retried = true
			continue
		case err == unix.EAGAIN && !waited:
			// The socket buffer is full (a saturated link): wait for room
			// once, as a blocking socket would.
			waited = true
			fds := []unix.PollFd{{Fd: int32(s.fd), Events: unix.POLLOUT}}
			if _, err := unix.Poll(fds, int(sendWait/time.Millisecond)); err != nil && err != unix.EINTR {
				return os.NewSyscallError("poll", err)
			}
			continue
		case err != nil:
			return os.NewSyscallError("sendto", err)
		}
		return nil
	}
}

// reply is one echo reply as read from the socket.
type reply struct {
	from  netip.Addr
	seq16 uint16
	id    HostID
	seq   uint64
	token uint64
	at    time.Time // kernel receive time, or when read

	// An ICMP error quoting one of our requests: err says who sent it and
	// why, dst is where the request was going (from is err.From).
	err *ICMPError
	dst netip.Addr
}

// parseReply decodes a packet read from the socket. ok is false for packets
// that are not one of our echo replies.
func (s *icmpSocket) parseReply(msg []byte, from netip.Addr) (r reply, ok bool) {
	if s.raw && !s.v6 {
		// Raw IPv4 sockets deliver the IP header too; skip it.
		if len(msg) < 20 {
			return r, false
		}
		hl := int(msg[0]&0x0f) * 4
		if hl < 20 || hl > len(msg) {
			return r, false
		}
		msg = msg[hl:]
	}
	// type(1) code(1) checksum(2) identifier(2) sequence(2) payload
	if len(msg) < echoLen {
		return r, false
	}
	want := byte(ipv4.ICMPTypeEchoReply)
	if s.v6 {
		want = byte(ipv6.ICMPTypeEchoReply)
	}
	if msg[0] != want {
		return r, false
	}
	if s.raw && binary.BigEndian.Uint16(msg[4:6]) != s.id {
		return r, false
	}
	r.from = from.Unmap()
	r.seq16 = binary.BigEndian.Uint16(msg[6:8])
	r.token = binary.BigEndian.Uint64(msg[8:16])
	r.id = HostID(binary.BigEndian.Uint32(msg[16:20]))
	r.seq = binary.BigEndian.Uint64(msg[20:28])
	return r, true
}

// readBatch is how many packets one read system call may return.
const readBatch = 64

// replyReader is one goroutine's buffers for reading replies.
type replyReader struct {
	// Our replies are 28 bytes of ICMP after at most 60 of IP header; an
	// ICMP error quoting one adds 8 bytes and a second IP header. The
	// control messages hold one timestamp.
	bufs [readBatch][176]byte
	oobs [readBatch][64]byte
	pkts [readBatch]packet // what the last read returned

	replies []reply // read, to be matched
	ignored uint64  // packets read that were not our replies
	foreign uint64  // ICMP errors read that quote someone else's packet

	// The error queue of a ping socket (see drainErrors).
	ebuf [512]byte
	eoob [256]byte

	sys readerState // sys_*.go
}

// packet is one packet as read: its bytes and control messages (slices of
// the reader's buffers) and its sender.
type packet struct {
	data, oob []byte
	from      netip.Addr
}

// drain reads every packet waiting on the socket without blocking into
// rd.replies (or rd.ignored) and returns how many it read.
func (s *icmpSocket) drain(rd *replyReader) int {
	n, failed := 0, 0
	if s.errPending.Load() && s.errPending.Swap(false) {
		n += s.drainErrors(rd, time.Now()) // errqueue_*.go
	}
	for {
		m, err := s.recvBatch(rd) // sys_*.go
		if err != nil {
			// EAGAIN: drained. Anything else is a socket error that the
			// failed read consumed (an ICMP error on a ping socket): the
			// packets behind it are still there.
			if err == unix.EAGAIN || err == unix.EBADF {
				if n == 0 && !s.raw && s.errorsHidden == "" && err == unix.EAGAIN {
					// Woken with nothing to read: the error queue may
					// hold errors whose pending error a send consumed,
					// and epoll reports them until they are read.
					n += s.drainErrors(rd, time.Now())
				}
				return n
			}
			if !s.raw {
				// With IP_RECVERR, the error is the sign that the error
				// queue holds ICMP errors about our requests.
				n += s.drainErrors(rd, time.Now()) // errqueue_*.go
			}
			if failed++; failed > 8 {
				return n
			}
			continue
		}
		now := time.Now()
		for _, p := range rd.pkts[:m] {
			if r, ok := s.decode(p, now); ok {
				rd.replies = append(rd.replies, r)
			} else if s.raw && isErrorType(p.data, s.v6) {
				rd.foreign++
			} else {
				rd.ignored++
			}
		}
		n += m
		if m < readBatch {
			return n // a short read: the socket was drained
		}
	}
}

// decode turns a packet read at now into one of our replies.
func (s *icmpSocket) decode(p packet, now time.Time) (reply, bool) {
	r, ok := s.parseReply(p.data, p.from)
	if !ok && s.raw {
		r, ok = s.parseError(p.data, p.from)
	}
	if !ok {
		return r, false
	}
	r.at = now
	if s.kernelTS {
		// The kernel stamped the packet when it arrived: this leaves out our
		// own scheduling delay (and any wait in the socket buffer) from the
		// RTT. The stamp is wall-clock time, so only the (small) delay is
		// taken from it and r.at keeps its monotonic reading; a clock step
		// shows as an absurd delay and is ignored.
		if ts, ok := kernelTimestamp(p.oob); ok {
			if d := now.Sub(ts); d > 0 && d < time.Second {
				r.at = now.Add(-d)
			}
		}
	}
	return r, true
}

// kernelTimestamp finds SCM_TIMESTAMPNS in a control message.
func kernelTimestamp(oob []byte) (time.Time, bool) {
	for len(oob) > 0 {
		h, data, rest, err := unix.ParseOneSocketControlMessage(oob)
		if err != nil {
			return time.Time{}, false
		}
		if isTimestamp(h) && len(data) >= 16 {
			sec := int64(binary.NativeEndian.Uint64(data[0:8]))
			nsec := int64(binary.NativeEndian.Uint64(data[8:16]))
			return time.Unix(sec, nsec), true
		}
		oob = rest
	}
	return time.Time{}, false
}

// parseError decodes an ICMP error read from a raw socket that quotes one
// of our echo requests.
func (s *icmpSocket) parseError(msg []byte, from netip.Addr) (r reply, ok bool) {
	q, ok := parseRawError(msg, s.v6)
	if !ok || !s.parseEcho(q.echo, &r) {
		return r, false
	}
	r.from = from.Unmap()
	r.dst = q.dst.Unmap()
	r.err = &ICMPError{From: r.from, V6: s.v6, Type: q.typ, Code: q.code}
	return r, true
}

// isErrorType reports whether a packet read from a raw socket is an ICMP
// error that ends a probe (whoever's probe it was).
func isErrorType(msg []byte, v6 bool) bool {
	if !v6 {
		if len(msg) < 20 {
			return false
		}
		hl := int(msg[0]&0x0f) * 4
		if hl >= len(msg) {
			return false
		}
		msg = msg[hl:]
	}
	return len(msg) > 0 && failsProbe(v6, msg[0])
}
