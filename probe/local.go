package probe

import (
	"fmt"
	"net"
	"net/netip"
)

// IsLocal reports whether a is an address of one of this machine's
// interfaces. A trace whose last answer came from one ended before the
// first router: this machine itself said the host is unreachable (no
// route, or no answer to ARP or neighbour discovery on a link it is on).
func IsLocal(a netip.Addr) bool {
	if !a.IsValid() {
		return false
	}
	if a.IsLoopback() {
		return true
	}
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, ia := range addrs {
		if n, ok := ia.(*net.IPNet); ok {
			if b, ok := netip.AddrFromSlice(n.IP); ok && b.Unmap() == a.WithZone("") {
				return true
			}
		}
	}
	return false
}

// EndWords says where a path that did not reach its host ends, the same
// way everywhere (the DOWN message, downtime trace, the UI): "path ends at
// hop 2: 198.18.0.6", "path ends at this machine (198.18.0.1)" when the
// last answer was this machine's own (local, from IsLocal), "no hop
// answered" when hop is 0.
func EndWords(hop int, addr string, local bool) string {
	switch {
	case hop == 0:
		return "no hop answered"
	case local:
		return fmt.Sprintf("path ends at this machine (%s)", addr)
	}
	return fmt.Sprintf("path ends at hop %d: %s", hop, addr)
}
