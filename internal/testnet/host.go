package testnet

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Host is a network namespace joined to the test's namespace by a veth pair.
type Host struct {
	Name       string     // network namespace, as `ip netns` knows it
	Link       string     // veth end in the test's namespace
	Addr4      netip.Addr // IPv4 address inside the namespace
	Addr6      netip.Addr // IPv6 address inside the namespace; invalid with NoIPv6
	LocalAddr4 netip.Addr // IPv4 address of Link
	LocalAddr6 netip.Addr // IPv6 address of Link; invalid with NoIPv6

	t    testing.TB
	slot slot
	ipv6 bool

	mu        sync.Mutex
	dropTable string     // nftables table of DropEchoRequests, "" when none
	resp      *responder // NewDelayedHost only
}

// Option changes how NewHost builds a Host.
type Option func(*options)

type options struct {
	ipv6 bool
}

// NoIPv6 makes a Host with IPv4 only.
func NoIPv6() Option { return func(o *options) { o.ipv6 = false } }

// NewHost makes a namespace reached over a veth pair, removed at cleanup; it skips t without root.
func NewHost(t testing.TB, opts ...Option) *Host {
	t.Helper()
	// Methods that take no testing.TB (LinkDown, ClearDrops, ...) report on
	// this t, so they must be called from its goroutine.
	o := options{ipv6: true}
	for _, opt := range opts {
		opt(&o)
	}
	return newHost(t, o)
}

func newHost(t testing.TB, o options) *Host {
	t.Helper()
	RequireRoot(t)
	if _, err := os.Stat("/proc/net/if_inet6"); o.ipv6 && err != nil {
		t.Skip("testnet: IPv6 is disabled in this kernel; use NoIPv6() for IPv4-only tests")
	}
	collectGarbage()

	s, err := allocSlot()
	if err != nil {
		t.Fatalf("testnet: %v", err)
	}
	h := &Host{
		Name:       fmt.Sprintf("%s%d-%d-%s", nsPrefix, os.Getpid(), s.n, randHex(3)),
		Link:       fmt.Sprintf("dt%d-%s", s.n, randHex(2)), // ≤ 15 bytes, IFNAMSIZ
		Addr4:      nth(s.veth4(), 2),
		LocalAddr4: nth(s.veth4(), 1),
		t:          t,
		slot:       s,
		ipv6:       o.ipv6,
	}
	if o.ipv6 {
		h.Addr6 = nth(s.veth6(), 2)
		h.LocalAddr6 = nth(s.veth6(), 1)
	}

	// Registered before anything exists so that it runs last (cleanups are
	// LIFO): the TUN fd and nft table go first, the namespace and slot last.
	t.Cleanup(h.teardown)

	if out, err := run("ip", "netns", "add", h.Name); err != nil {
		t.Fatalf("testnet: ip netns add %s: %v: %s", h.Name, err, out)
	}

	// Test side. The "unreachable" routes cover the whole slot at the lowest
	// priority: if a veth route ever disappears (someone sets Link down), a
	// probe to these addresses fails here instead of following the default
	// route out of the machine.
	root := []string{
		fmt.Sprintf("link add %s type veth peer name %s netns %s", h.Link, peerName, h.Name),
		fmt.Sprintf("addr add %s/30 dev %s", h.LocalAddr4, h.Link),
		fmt.Sprintf("route replace unreachable %s metric %s", s.block4(), safetyMet),
		fmt.Sprintf("route replace unreachable %s metric %s", s.tun4(), safetyMet),
	}
	ns := []string{
		"link set lo up",
		fmt.Sprintf("addr add %s/30 dev %s", h.Addr4, peerName),
	}
	if o.ipv6 {
		// nodad: the addresses are usable at once instead of after ~1-2 s of
		// duplicate address detection.
		root = append(root,
			fmt.Sprintf("addr add %s/64 dev %s nodad", h.LocalAddr6, h.Link),
			fmt.Sprintf("route replace unreachable %s metric %s", s.veth6(), safetyMet),
			fmt.Sprintf("route replace unreachable %s metric %s", s.tun6(), safetyMet),
		)
		ns = append(ns, fmt.Sprintf("addr add %s/64 dev %s nodad", h.Addr6, peerName))
	}
	root = append(root, fmt.Sprintf("link set %s up", h.Link))
	ns = append(ns, fmt.Sprintf("link set %s up", peerName))

	if err := ipBatch("", root); err != nil {
		t.Fatalf("testnet: %v", err)
	}
	if o.ipv6 {
		// LinkDown sets the namespace side down; without this the kernel would
		// drop its IPv6 address and LinkUp would have to put it back.
		if err := h.Do(func() error {
			return writeSysctl("net/ipv6/conf/"+peerName+"/keep_addr_on_down", "1")
		}); err != nil {
			t.Fatalf("testnet: %v", err)
		}
	}
	if err := ipBatch(h.Name, ns); err != nil {
		t.Fatalf("testnet: %v", err)
	}
	if !h.waitOperUp(true) {
		t.Fatalf("testnet: %s did not come up", h.Link)
	}
	return h
}

// ipBatch runs iproute2 commands in one exec, inside netns if it is not "".
func ipBatch(netns string, cmds []string) error {
	args := []string{"-batch", "-"}
	if netns != "" {
		args = append([]string{"-n", netns}, args...)
	}
	out, err := runIn([]byte(strings.Join(cmds, "\n")+"\n"), "ip", args...)
	if err != nil {
		return fmt.Errorf("ip %s: %v: %s\ncommands:\n%s", strings.Join(args, " "), err, out, strings.Join(cmds, "\n"))
	}
	return nil
}

// teardown undoes NewHost; it must cope with any half-built state.
func (h *Host) teardown() {
	if _, err := os.Stat("/run/netns/" + h.Name); err == nil {
		if out, err := run("ip", "netns", "del", h.Name); err != nil {
			h.t.Errorf("testnet: ip netns del %s: %v: %s", h.Name, err, out)
		}
	}
	// The kernel dismantles a namespace asynchronously; keep the slot until
	// the veth is really gone so the next owner finds its addresses free.
	if !waitFor(5*time.Second, func() bool { return !linkExists(h.Link) }) {
		if out, err := run("ip", "link", "del", h.Link); err != nil {
			h.t.Errorf("testnet: %s still exists after deleting %s: %v: %s", h.Link, h.Name, err, out)
		}
	}
	// The guard routes are not tied to a device, so they outlive the veth.
	guards := []netip.Prefix{h.slot.block4(), h.slot.tun4()}
	if h.ipv6 {
		guards = append(guards, h.slot.veth6(), h.slot.tun6())
	}
	for _, p := range guards {
		// "No such process": setup failed before adding it.
		if out, err := run("ip", "route", "del", "unreachable", p.String(), "metric", safetyMet); err != nil && !strings.Contains(out, "No such process") {
			h.t.Errorf("testnet: removing guard route %s: %v: %s", p, err, out)
		}
	}
	h.slot.lock.Close() // releases the flock
}

func linkExists(name string) bool {
	_, err := os.Stat("/sys/class/net/" + name)
	return err == nil
}

// waitOperUp waits until Link's operational state is (or is no longer) up.
func (h *Host) waitOperUp(up bool) bool {
	return waitFor(3*time.Second, func() bool {
		b, err := os.ReadFile("/sys/class/net/" + h.Link + "/operstate")
		return err == nil && (strings.TrimSpace(string(b)) == "up") == up
	})
}

// LinkDown cuts the wire, so probes to the host are sent and silently lost.
func (h *Host) LinkDown() {
	h.t.Helper()
	// The namespace end goes down, not Link, on purpose: setting Link down
	// removes its routes, and probes to the host would then follow the
	// default route out of the machine (the guard routes stop that, but
	// would turn the silent loss into an immediate "no route to host").
	// A dead peer is also what a real host dying looks like.
	if out, err := run("ip", "-n", h.Name, "link", "set", peerName, "down"); err != nil {
		h.t.Fatalf("testnet: link down in %s: %v: %s", h.Name, err, out)
	}
	if !h.waitOperUp(false) {
		h.t.Fatalf("testnet: %s still up after LinkDown", h.Link)
	}
}

// LinkUp reconnects the wire cut by LinkDown.
func (h *Host) LinkUp() {
	h.t.Helper()
	if out, err := run("ip", "-n", h.Name, "link", "set", peerName, "up"); err != nil {
		h.t.Fatalf("testnet: link up in %s: %v: %s", h.Name, err, out)
	}
	if !h.waitOperUp(true) {
		h.t.Fatalf("testnet: %s not up after LinkUp", h.Link)
	}
	// Probes sent while the wire was cut left ARP/ND entries INCOMPLETE;
	// the kernel would retry only at its next retransmit (up to 1 s later).
	// Flushing them makes the first probe after LinkUp resolve at once.
	if out, err := run("ip", "neigh", "flush", "dev", h.Link); err != nil {
		h.t.Fatalf("testnet: ip neigh flush dev %s: %v: %s", h.Link, err, out)
	}
}

// Exec runs a command inside the namespace and returns its combined output.
func (h *Host) Exec(args ...string) (string, error) {
	if len(args) == 0 {
		return "", errors.New("testnet: Exec needs a command")
	}
	return run("ip", append([]string{"netns", "exec", h.Name}, args...)...)
}

// Do runs fn on an OS thread inside the namespace; sockets fn opens stay there (goroutines it starts do not).
func (h *Host) Do(fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		// Deliberately no deferred UnlockOSThread: if switching back fails,
		// the goroutine exits still locked and Go discards the thread rather
		// than reuse one stuck in the wrong namespace.
		runtime.LockOSThread()
		orig, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("testnet: %w", err)
			return
		}
		defer unix.Close(orig)
		target, err := unix.Open("/run/netns/"+h.Name, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("testnet: %w", err)
			return
		}
		defer unix.Close(target)
		if err := unix.Setns(target, unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("testnet: setns %s: %w", h.Name, err)
			return
		}
		var ferr error
		func() {
			defer func() {
				if r := recover(); r != nil {
					ferr = fmt.Errorf("testnet: panic in Do: %v", r)
				}
			}()
			ferr = fn()
		}()
		if err := unix.Setns(orig, unix.CLONE_NEWNET); err != nil {
			errc <- errors.Join(ferr, fmt.Errorf("testnet: setns back: %w", err))
			return
		}
		runtime.UnlockOSThread()
		errc <- ferr
	}()
	return <-errc
}

// Listen opens a listener in the namespace, e.g. ("tcp", ":22") on Addr4 and Addr6, closed at cleanup.
func (h *Host) Listen(t testing.TB, network, address string) net.Listener {
	t.Helper()
	var l net.Listener
	if err := h.Do(func() (err error) {
		l, err = net.Listen(network, address)
		return err
	}); err != nil {
		t.Fatalf("testnet: listen %s %s in %s: %v", network, address, h.Name, err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// writeSysctl writes a sysctl of the calling thread's namespace; name uses
// slashes ("net/ipv4/ip_forward").
func writeSysctl(name, value string) error {
	return os.WriteFile("/proc/sys/"+name, []byte(value), 0)
}
