//go:build linux

package probe

import (
	"golang.org/x/net/bpf"
	"golang.org/x/net/ipv6"
	"golang.org/x/sys/unix"
)

// icmpFilter is ICMP_FILTER from <linux/icmp.h>: a raw IPv4 ICMP socket
// option whose value is a bit mask of the ICMP types to drop.
const icmpFilter = 1

// acceptOnlyEchoRepliesAndErrors makes the kernel skip a raw IPv4 ICMP
// socket for every ICMP type but echo reply and the errors that can answer
// a probe. The check runs before the kernel copies a packet for the socket,
// where the BPF program runs after: on loopback this saves a copy of each of
// our own echo requests.
func acceptOnlyEchoRepliesAndErrors(fd int) error {
	pass := uint32(1<<0 | 1<<icmp4Unreachable | 1<<icmp4TimeExceeded | 1<<icmp4ParamProblem)
	return unix.SetsockoptInt(fd, unix.SOL_RAW, icmpFilter, int(^pass))
}

// attachFilter attaches a BPF program to a raw socket, and on IPv6 an
// ICMP6_FILTER that passes only echo replies and the errors that can answer
// a probe.
func attachFilter(fd int, v6 bool, prog []bpf.RawInstruction) error {
	if v6 {
		// A set bit blocks the type.
		var f unix.ICMPv6Filter
		for i := range f.Data {
			f.Data[i] = ^uint32(0)
		}
		for _, t := range []uint32{uint32(ipv6.ICMPTypeEchoReply), icmp6Unreachable, icmp6TimeExceeded, icmp6ParamProblem} {
			f.Data[t>>5] &^= 1 << (t & 31)
		}
		if err := unix.SetsockoptICMPv6Filter(fd, unix.SOL_ICMPV6, unix.ICMPV6_FILTER, &f); err != nil {
			return err
		}
	}
	filter := make([]unix.SockFilter, len(prog))
	for i, ins := range prog {
		filter[i] = unix.SockFilter{Code: ins.Op, Jt: ins.Jt, Jf: ins.Jf, K: ins.K}
	}
	return unix.SetsockoptSockFprog(fd, unix.SOL_SOCKET, unix.SO_ATTACH_FILTER,
		&unix.SockFprog{Len: uint16(len(filter)), Filter: &filter[0]})
}
