package config

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"downtime/probe"
)

// MaxExpand is the most addresses one CIDR target may stand for.
const MaxExpand = 4096

// maxExpandBits is log2(MaxExpand): the most host bits a CIDR target may have.
const maxExpandBits = 12

// ParseTarget parses one host: an IP address, a DNS name or tcp://host:port.
// It never resolves names. IPv4-mapped IPv6 addresses become IPv4.
func ParseTarget(s string) (probe.Target, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return probe.Target{}, errors.New("empty target (write an IP address, a DNS name or tcp://host:port)")
	}
	if scheme, rest, ok := strings.Cut(s, "://"); ok {
		if !strings.EqualFold(scheme, "tcp") {
			return probe.Target{}, fmt.Errorf("%q: unknown scheme %q (a target is an IP address, a DNS name or tcp://host:port)", s, scheme)
		}
		return parseTCP(s, rest)
	}
	if strings.Contains(s, "/") {
		return probe.Target{}, fmt.Errorf("%q is a network, not one host (networks are allowed as command-line targets and in -f files)", s)
	}
	host, err := parseHost(s)
	if err != nil {
		return probe.Target{}, fmt.Errorf("%q: %w", s, err)
	}
	return probe.Target{Kind: probe.KindICMP, Host: host}, nil
}

// ExpandTarget is ParseTarget that also accepts a CIDR network
// ("198.18.0.0/28"), which stands for every address in it, at most
// MaxExpand. Like fping -g, an IPv4 network larger than /31 leaves out its
// network and broadcast addresses.
func ExpandTarget(s string) ([]probe.Target, error) {
	s = strings.TrimSpace(s)
	if !strings.Contains(s, "://") && strings.Contains(s, "/") {
		return expandPrefix(s)
	}
	t, err := ParseTarget(s)
	if err != nil {
		return nil, err
	}
	return []probe.Target{t}, nil
}

// parseTCP parses the host:port after "tcp://"; orig is the whole target,
// for messages.
func parseTCP(orig, rest string) (probe.Target, error) {
	fail := func(format string, args ...any) (probe.Target, error) {
		return probe.Target{}, fmt.Errorf("%q: %s", orig, fmt.Sprintf(format, args...))
	}
	if rest == "" {
		return fail("missing host and port (write tcp://host:port)")
	}
	var hostPart, portPart string
	if rest[0] == '[' {
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return fail(`missing "]" after the IPv6 address (write tcp://[2001:db8::1]:22)`)
		}
		hostPart, portPart = rest[1:end], rest[end+1:]
		a, err := netip.ParseAddr(hostPart)
		if err != nil || !a.Is6() {
			return fail("%q in brackets is not an IPv6 address (brackets are only for IPv6: tcp://[2001:db8::1]:22)", hostPart)
		}
		if portPart == "" {
			return fail("missing port (write tcp://[%s]:port)", hostPart)
		}
		if portPart[0] != ':' {
			return fail(`unexpected %q after "]" (write tcp://[%s]:port)`, portPart, hostPart)
		}
		portPart = portPart[1:]
	} else {
		i := strings.LastIndexByte(rest, ':')
		if i < 0 {
			return fail("missing port (write tcp://%s:port)", rest)
		}
		hostPart, portPart = rest[:i], rest[i+1:]
		if strings.Contains(hostPart, ":") {
			return fail("an IPv6 address needs brackets (write tcp://[%s]:%s)", hostPart, portPart)
		}
	}
	if hostPart == "" {
		return fail("missing host (write tcp://host:%s)", portPart)
	}
	port, err := parsePort(portPart)
	if err != nil {
		return fail("%v", err)
	}
	host, err := parseHost(hostPart)
	if err != nil {
		return fail("%v", err)
	}
	return probe.Target{Kind: probe.KindTCP, Host: host, Port: port}, nil
}

// parsePort parses a TCP port, 1-65535.
func parsePort(s string) (uint16, error) {
	if s == "" {
		return 0, errors.New("missing port (write tcp://host:port)")
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, fmt.Errorf("port %q is not a number (1-65535)", s)
		}
	}
	n, err := strconv.ParseUint(s, 10, 16)
	if err != nil || n == 0 {
		return 0, fmt.Errorf("port %s is out of range (1-65535)", s)
	}
	return uint16(n), nil
}

// parseHost checks an IP literal or DNS name and returns it as the target's
// Host: IP addresses in canonical form (IPv4-mapped ones as IPv4), names as
// written.
func parseHost(s string) (string, error) {
	if a, err := netip.ParseAddr(s); err == nil {
		if a.Zone() != "" {
			return "", fmt.Errorf("IPv6 zones (%%%s) are not supported (use an address without a zone)", a.Zone())
		}
		return a.Unmap().String(), nil
	}
	if strings.Contains(s, ":") {
		if h, p, ok := strings.Cut(s, ":"); ok && !strings.Contains(p, ":") {
			if _, err := parsePort(p); err == nil {
				return "", fmt.Errorf("a port needs tcp:// (write tcp://%s:%s)", h, p)
			}
		}
		return "", errors.New("not a valid IPv6 address")
	}
	if err := checkHostname(s); err != nil {
		return "", err
	}
	return s, nil
}

// checkHostname checks DNS name syntax (RFC 1123): dot-separated labels of
// letters, digits and hyphens, at most 63 bytes each and 253 in all; an
// optional final dot.
func checkHostname(s string) error {
	name := strings.TrimSuffix(s, ".")
	if name == "" {
		return errors.New("not a valid DNS name")
	}
	if len(name) > 253 {
		return fmt.Errorf("DNS name is %d characters long (at most 253)", len(name))
	}
	labels := strings.Split(name, ".")
	numeric := 0
	for _, l := range labels {
		if l == "" {
			return errors.New("DNS name has an empty label (two dots in a row, or a leading dot)")
		}
		if len(l) > 63 {
			return fmt.Errorf("DNS label %q is %d characters long (at most 63)", l, len(l))
		}
		digits := true
		for i, r := range l {
			switch {
			case r >= '0' && r <= '9':
			case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
				digits = false
			case r == '-':
				digits = false
				if i == 0 || i == len(l)-1 {
					return fmt.Errorf("DNS label %q starts or ends with \"-\"", l)
				}
			default:
				return fmt.Errorf("%q is not allowed in a DNS name (letters, digits, \"-\" and \".\" only)", r)
			}
		}
		if digits {
			numeric++
		}
	}
	// A name whose last label is all digits is not a name a resolver will
	// look up; it is almost always a mistyped IPv4 address ("198.18.0.300").
	if numeric == len(labels) {
		return errors.New("not a valid IPv4 address")
	}
	if numeric > 0 && isDigits(labels[len(labels)-1]) {
		return fmt.Errorf("not a valid DNS name (the last label %q is all digits)", labels[len(labels)-1])
	}
	return nil
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// expandPrefix lists the addresses of a CIDR network.
func expandPrefix(s string) ([]probe.Target, error) {
	addrPart, bitsPart, _ := strings.Cut(s, "/")
	a, err := netip.ParseAddr(addrPart)
	if err != nil {
		return nil, fmt.Errorf("%q: %q is not an IP address (a network is written like 198.18.0.0/28)", s, addrPart)
	}
	if a.Zone() != "" {
		return nil, fmt.Errorf("%q: IPv6 zones (%%%s) are not supported (use an address without a zone)", s, a.Zone())
	}
	bits, err := strconv.Atoi(bitsPart)
	if err != nil || bits < 0 || bits > a.BitLen() || !isDigits(bitsPart) {
		return nil, fmt.Errorf("%q: prefix length %q must be a number from 0 to %d", s, bitsPart, a.BitLen())
	}
	if a.Is4In6() {
		if bits < 96 {
			return nil, fmt.Errorf("%q: an IPv4-mapped network needs a prefix length of at least 96", s)
		}
		a, bits = a.Unmap(), bits-96
	}
	p := netip.PrefixFrom(a, bits).Masked()
	hostBits := a.BitLen() - bits
	if hostBits > maxExpandBits {
		first := netip.PrefixFrom(p.Addr(), a.BitLen()-maxExpandBits)
		second := netip.PrefixFrom(lastAddr(first).Next(), first.Bits())
		return nil, fmt.Errorf("%q has %s addresses, more than %d in one target (split it into /%d networks: %s, %s, ...)",
			s, countAddrs(hostBits), MaxExpand, first.Bits(), first, second)
	}
	n := 1 << hostBits
	skipEnds := a.Is4() && hostBits >= 2 // network and broadcast addresses
	out := make([]probe.Target, 0, n)
	cur := p.Addr()
	for i := range n {
		if !skipEnds || (i != 0 && i != n-1) {
			out = append(out, probe.Target{Kind: probe.KindICMP, Host: cur.String()})
		}
		cur = cur.Next()
	}
	return out, nil
}

// lastAddr returns the highest address in p.
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// countAddrs renders 2^hostBits readably, even when it overflows an int.
func countAddrs(hostBits int) string {
	if hostBits < 63 {
		return strconv.FormatInt(1<<hostBits, 10)
	}
	return "2^" + strconv.Itoa(hostBits)
}
