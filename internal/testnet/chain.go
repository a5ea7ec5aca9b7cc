package testnet

import (
	"fmt"
	"net/netip"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// Chain is three namespaces chained as routers behind the test's namespace:
//
//	test ─ r1 ─ r2 ─ r3 (holds the targets)
//
// with forwarding on, so a trace from the test sees r1, r2, then the target.
// Within its slot N (see the package comment):
//
//	test–r1   198.18.N.0/30   (.1 test, .2 r1)     2001:2:0:N::/126   (::1, ::2)
//	r1–r2     198.18.N.4/30   (.5 r1, .6 r2)       2001:2:0:N::4/126  (::5, ::6)
//	r2–r3     198.18.N.8/30   (.9 r2, .10 r3)      2001:2:0:N::8/126  (::9, ::a)
//	targets   198.19.N.0/24 and 2001:2:0:1NN::/64, all answered by r3
//
// The routers send ICMP errors without rate limits (a real router limits
// them; a test that counts them must not depend on the kernel's budget) and
// no redirects.
type Chain struct {
	Routers [3]string // namespaces r1, r2, r3
	// Hops4 and Hops6 are the addresses r1 and r2 answer a trace from (the
	// side that faces the test).
	Hops4, Hops6 [2]netip.Addr
	Link         string // the test's end of the first link

	t    testing.TB
	slot slot

	mu     sync.Mutex
	tables map[int]string // nftables table per router index, for Reject
	looped bool
}

// NewChain builds the chain, removed at cleanup; it skips t without root.
func NewChain(t testing.TB) *Chain {
	t.Helper()
	RequireRoot(t)
	if _, err := os.Stat("/proc/net/if_inet6"); err != nil {
		t.Skip("testnet: IPv6 is disabled in this kernel")
	}
	collectGarbage()
	s, err := allocSlot()
	if err != nil {
		t.Fatalf("testnet: %v", err)
	}
	c := &Chain{t: t, slot: s, Link: fmt.Sprintf("dt%d-%s", s.n, randHex(2)), tables: map[int]string{}}
	base := fmt.Sprintf("%s%d-%d-%s", nsPrefix, os.Getpid(), s.n, randHex(2))
	for i := range c.Routers {
		c.Routers[i] = fmt.Sprintf("%s-r%d", base, i+1)
	}
	v4 := func(i int) netip.Addr { return nth(s.block4(), i) }
	v6 := func(i int) netip.Addr { return nth(s.veth6(), i) }
	c.Hops4 = [2]netip.Addr{v4(2), v4(6)}
	c.Hops6 = [2]netip.Addr{v6(2), v6(6)}
	t.Cleanup(c.teardown)

	for _, ns := range c.Routers {
		if out, err := run("ip", "netns", "add", ns); err != nil {
			t.Fatalf("testnet: ip netns add %s: %v: %s", ns, err, out)
		}
		if err := c.sysctls(ns); err != nil {
			t.Fatalf("testnet: %v", err)
		}
	}
	r1, r2, r3 := c.Routers[0], c.Routers[1], c.Routers[2]
	root := []string{
		fmt.Sprintf("link add %s type veth peer name veth0 netns %s", c.Link, r1),
		fmt.Sprintf("addr add %s/30 dev %s", v4(1), c.Link),
		fmt.Sprintf("addr add %s/126 dev %s nodad", v6(1), c.Link),
		fmt.Sprintf("route replace unreachable %s metric %s", s.block4(), safetyMet),
		fmt.Sprintf("route replace unreachable %s metric %s", s.tun4(), safetyMet),
		fmt.Sprintf("route replace unreachable %s metric %s", s.veth6(), safetyMet),
		fmt.Sprintf("route replace unreachable %s metric %s", s.tun6(), safetyMet),
		fmt.Sprintf("link set %s up", c.Link),
		fmt.Sprintf("route add %s via %s", s.block4(), v4(2)),
		fmt.Sprintf("route add %s via %s", s.tun4(), v4(2)),
		fmt.Sprintf("route add %s via %s", s.veth6(), v6(2)),
		fmt.Sprintf("route add %s via %s", s.tun6(), v6(2)),
	}
	per := map[string][]string{
		r1: {
			"link set lo up",
			fmt.Sprintf("link add veth1 type veth peer name veth0 netns %s", r2),
			fmt.Sprintf("addr add %s/30 dev veth0", v4(2)),
			fmt.Sprintf("addr add %s/126 dev veth0 nodad", v6(2)),
			fmt.Sprintf("addr add %s/30 dev veth1", v4(5)),
			fmt.Sprintf("addr add %s/126 dev veth1 nodad", v6(5)),
			"link set veth0 up", "link set veth1 up",
			fmt.Sprintf("route add default via %s", v4(6)),
			fmt.Sprintf("route add default via %s", v6(6)),
		},
		r2: {
			"link set lo up",
			fmt.Sprintf("link add veth1 type veth peer name veth0 netns %s", r3),
			fmt.Sprintf("addr add %s/30 dev veth0", v4(6)),
			fmt.Sprintf("addr add %s/126 dev veth0 nodad", v6(6)),
			fmt.Sprintf("addr add %s/30 dev veth1", v4(9)),
			fmt.Sprintf("addr add %s/126 dev veth1 nodad", v6(9)),
			"link set veth0 up", "link set veth1 up",
			fmt.Sprintf("route add %s via %s", netip.PrefixFrom(v4(0), 30), v4(5)),
			fmt.Sprintf("route add %s via %s", netip.PrefixFrom(v6(0), 126), v6(5)),
			fmt.Sprintf("route add default via %s", v4(10)),
			fmt.Sprintf("route add default via %s", v6(10)),
		},
		r3: {
			"link set lo up",
			fmt.Sprintf("addr add %s/30 dev veth0", v4(10)),
			fmt.Sprintf("addr add %s/126 dev veth0 nodad", v6(10)),
			"link set veth0 up",
			fmt.Sprintf("route add default via %s", v4(9)),
			fmt.Sprintf("route add default via %s", v6(9)),
			fmt.Sprintf("route add local %s dev lo", s.tun4()),
			fmt.Sprintf("route add local %s dev lo", s.tun6()),
		},
	}
	// r1 and r2 make the links to their successors, so they go in order,
	// and the test's link (into r1) first.
	if err := ipBatch("", root[:1]); err != nil {
		t.Fatalf("testnet: %v", err)
	}
	for _, ns := range c.Routers {
		if err := ipBatch(ns, per[ns]); err != nil {
			t.Fatalf("testnet: %v", err)
		}
	}
	if err := ipBatch("", root[1:]); err != nil {
		t.Fatalf("testnet: %v", err)
	}
	return c
}

// sysctls turns a namespace into a router that answers every probe.
func (c *Chain) sysctls(ns string) error {
	settings := [][2]string{
		{"net/ipv4/ip_forward", "1"},
		{"net/ipv6/conf/all/forwarding", "1"},
		{"net/ipv4/icmp_ratelimit", "0"},
		{"net/ipv6/icmp/ratelimit", "0"},
		{"net/ipv4/conf/all/send_redirects", "0"},
		{"net/ipv4/conf/default/send_redirects", "0"},
		{"net/ipv4/conf/all/rp_filter", "0"},
		{"net/ipv4/conf/default/rp_filter", "0"},
		{"net/ipv6/conf/default/keep_addr_on_down", "1"},
		// Link-local addresses usable at once: neighbour discovery between
		// the routers must not wait for duplicate address detection.
		{"net/ipv6/conf/all/accept_dad", "0"},
		{"net/ipv6/conf/default/accept_dad", "0"},
	}
	var script strings.Builder
	for _, kv := range settings {
		fmt.Fprintf(&script, "echo %s > /proc/sys/%s\n", kv[1], kv[0])
	}
	if out, err := run("ip", "netns", "exec", ns, "sh", "-c", script.String()); err != nil {
		return fmt.Errorf("sysctls in %s: %v: %s", ns, err, out)
	}
	return nil
}

// Target4 is the i-th IPv4 target behind r3 (1 ≤ i ≤ 254).
func (c *Chain) Target4(i int) netip.Addr { return nth(c.slot.tun4(), i) }

// Target6 is the i-th IPv6 target behind r3 (i ≥ 1).
func (c *Chain) Target6(i int) netip.Addr { return nth(c.slot.tun6(), i) }

// CutLast cuts the last link (r2–r3) at r3's end: r2 keeps its route, and
// probes to the targets go as far as r2 and are lost there.
func (c *Chain) CutLast() {
	c.t.Helper()
	if out, err := run("ip", "-n", c.Routers[2], "link", "set", "veth0", "down"); err != nil {
		c.t.Fatalf("testnet: link down in %s: %v: %s", c.Routers[2], err, out)
	}
}

// MendLast undoes CutLast.
func (c *Chain) MendLast() {
	c.t.Helper()
	if out, err := run("ip", "-n", c.Routers[2], "link", "set", "veth0", "up"); err != nil {
		c.t.Fatalf("testnet: link up in %s: %v: %s", c.Routers[2], err, out)
	}
	// The link going down took r3's routes back with it.
	if err := ipBatch(c.Routers[2], []string{
		fmt.Sprintf("route replace default via %s", nth(c.slot.block4(), 9)),
		fmt.Sprintf("route replace default via %s", nth(c.slot.veth6(), 9)),
	}); err != nil {
		c.t.Fatalf("testnet: routes in %s: %v", c.Routers[2], err)
	}
	_, _ = run("ip", "-n", c.Routers[1], "neigh", "flush", "dev", "veth1")
}

// Reject makes router r (0 for r1, 1 for r2) refuse to forward anything to
// the targets with "administratively prohibited" (nftables reject).
func (c *Chain) Reject(r int) {
	c.t.Helper()
	RequireTool(c.t, "nft")
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tables[r] != "" {
		return
	}
	table := "dtrej_" + randHex(4)
	script := fmt.Sprintf(`table inet %s {
	chain forward {
		type filter hook forward priority filter - 10; policy accept;
		ip daddr %s reject with icmp type admin-prohibited
		ip6 daddr %s reject with icmpv6 type admin-prohibited
	}
}
`, table, c.slot.tun4(), c.slot.tun6())
	if out, err := runIn([]byte(script), "ip", "netns", "exec", c.Routers[r], "nft", "-f", "-"); err != nil {
		c.t.Fatalf("testnet: nft in %s: %v: %s\n%s", c.Routers[r], err, out, script)
	}
	c.tables[r] = table
}

// Loop sends the targets from r2 back to r1, which sends them to r2: a
// routing loop, where a probe's TTL runs out.
func (c *Chain) Loop() {
	c.t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	v4, v6 := nth(c.slot.block4(), 5), nth(c.slot.veth6(), 5)
	if err := ipBatch(c.Routers[1], []string{
		fmt.Sprintf("route replace %s via %s", c.slot.tun4(), v4),
		fmt.Sprintf("route replace %s via %s", c.slot.tun6(), v6),
	}); err != nil {
		c.t.Fatalf("testnet: %v", err)
	}
	c.looped = true
}

// teardown undoes NewChain; it must cope with any half-built state.
func (c *Chain) teardown() {
	for i := len(c.Routers) - 1; i >= 0; i-- {
		ns := c.Routers[i]
		if _, err := os.Stat("/run/netns/" + ns); err == nil {
			if out, err := run("ip", "netns", "del", ns); err != nil {
				c.t.Errorf("testnet: ip netns del %s: %v: %s", ns, err, out)
			}
		}
	}
	if !waitFor(5*time.Second, func() bool { return !linkExists(c.Link) }) {
		if out, err := run("ip", "link", "del", c.Link); err != nil {
			c.t.Errorf("testnet: %s still exists: %v: %s", c.Link, err, out)
		}
	}
	for _, p := range []netip.Prefix{c.slot.block4(), c.slot.tun4(), c.slot.veth6(), c.slot.tun6()} {
		// The routes via r1 went with the link; the guards are not tied to
		// a device and outlive it.
		if out, err := run("ip", "route", "del", "unreachable", p.String(), "metric", safetyMet); err != nil && !strings.Contains(out, "No such process") {
			c.t.Errorf("testnet: removing guard route %s: %v: %s", p, err, out)
		}
	}
	c.slot.lock.Close()
}
