// Package testnet builds real, disposable networks for tests: network
// namespaces joined to the test's namespace by a veth pair, nftables loss, and
// a TUN-based echo responder that adds delay (netem is not available here).
//
// Every fixture uses addresses from 198.18.0.0/15 and 2001:2::/48 only, lives
// in namespaces it created itself, and is torn down by t.Cleanup. Each Host
// owns one "slot" N in [0, 256), held by a file lock in /tmp so that test
// binaries running at the same time never share addresses:
//
//	veth, IPv4      198.18.N.0/30       (.1 test side, .2 namespace side)
//	behind the TUN  198.19.N.0/24
//	veth, IPv6      2001:2:0:N::/64     (::1 test side, ::2 namespace side)
//	behind the TUN  2001:2:0:1NN::/64   (0x100+N)
//
// Fixtures that need root, iproute2, nftables or /dev/net/tun skip the test
// with the reason when they are not available.
package testnet

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

const (
	nsPrefix  = "dt-"                   // every namespace this package makes: dt-<pid>-<slot>-<rand>
	lockDir   = "/tmp/downtime-testnet" // fixed, not os.TempDir: the address space is machine-wide
	numSlots  = 256
	peerName  = "veth0" // the namespace side of the veth; unique because each namespace has its own
	tunName   = "dtun0"
	safetyMet = "4294967295" // metric of the "unreachable" guard routes: lowest priority possible
)

// RequireRoot skips t unless the process is root and `ip netns add` works.
func RequireRoot(t testing.TB) {
	t.Helper()
	if reason := rootProblem(); reason != "" {
		t.Skip("testnet: " + reason)
	}
}

// RequireTool skips t if the named binary is not in PATH.
func RequireTool(t testing.TB, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Skipf("testnet: %s not installed (apt-get install -y %s)", name, toolPackage(name))
	}
}

func toolPackage(name string) string {
	switch name {
	case "ip", "tc":
		return "iproute2"
	case "nft":
		return "nftables"
	}
	return name
}

var (
	rootOnce   sync.Once
	rootReason string
)

// rootProblem tries the real thing once per process: being uid 0 is not
// enough in a container without CAP_SYS_ADMIN or with a read-only /run.
func rootProblem() string {
	rootOnce.Do(func() {
		if os.Geteuid() != 0 {
			rootReason = "needs root (network namespaces, veth, raw ICMP); run the tests as root"
			return
		}
		if _, err := exec.LookPath("ip"); err != nil {
			rootReason = "ip (iproute2) not installed: apt-get install -y iproute2"
			return
		}
		name := fmt.Sprintf("%s%d-probe-%s", nsPrefix, os.Getpid(), randHex(3))
		if out, err := run("ip", "netns", "add", name); err != nil {
			rootReason = fmt.Sprintf("`ip netns add` does not work here: %v: %s", err, out)
			return
		}
		if out, err := run("ip", "netns", "del", name); err != nil {
			rootReason = fmt.Sprintf("`ip netns del %s` failed: %v: %s", name, err, out)
		}
	})
	return rootReason
}

// run runs a command and returns its combined output, trimmed.
func run(name string, args ...string) (string, error) {
	return runIn(nil, name, args...)
}

// runIn is run with stdin, used to feed `ip -batch -` and `nft -f -` so a
// whole setup costs one exec instead of a dozen.
func runIn(stdin []byte, name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// slot is one reserved address block; see the package comment.
type slot struct {
	n    int
	lock *os.File
}

func (s slot) veth4() netip.Prefix  { return pfx4(18, s.n, 30) }
func (s slot) block4() netip.Prefix { return pfx4(18, s.n, 24) }
func (s slot) tun4() netip.Prefix   { return pfx4(19, s.n, 24) }
func (s slot) veth6() netip.Prefix  { return pfx6(0, s.n) }
func (s slot) tun6() netip.Prefix   { return pfx6(1, s.n) }

func pfx4(b2, n, bits int) netip.Prefix {
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{198, byte(b2), byte(n), 0}), bits)
}

func pfx6(hi, n int) netip.Prefix {
	return netip.PrefixFrom(netip.AddrFrom16([16]byte{0x20, 0x01, 0, 2, 0, 0, byte(hi), byte(n)}), 64)
}

// nth returns the i-th address of p (i small).
func nth(p netip.Prefix, i int) netip.Addr {
	a := p.Addr()
	for range i {
		a = a.Next()
	}
	return a
}

// allocSlot reserves a free slot. The flock guards against other test
// binaries running now (the kernel drops it if the process dies); the address
// check guards against leftovers of a process that died without cleanup.
func allocSlot() (slot, error) {
	if err := os.MkdirAll(lockDir, 0o755); err != nil {
		return slot{}, err
	}
	inUse, err := localPrefixesInUse()
	if err != nil {
		return slot{}, err
	}
	var b [2]byte
	_, _ = rand.Read(b[:])
	start := int(b[0])<<8 | int(b[1])
	for i := range numSlots {
		n := (start + i) % numSlots
		f, err := os.OpenFile(filepath.Join(lockDir, fmt.Sprintf("slot-%d.lock", n)), os.O_RDWR|os.O_CREATE, 0o644)
		if err != nil {
			return slot{}, err
		}
		if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
			f.Close()
			continue
		}
		s := slot{n: n, lock: f}
		if inUse(s.block4()) || inUse(s.tun4()) || inUse(s.veth6()) || inUse(s.tun6()) {
			f.Close()
			continue
		}
		return s, nil
	}
	return slot{}, errors.New("no free address slot in 198.18.0.0/15 (256 hosts in use?)")
}

// localPrefixesInUse reports whether any address of this namespace lies in a
// given prefix.
func localPrefixesInUse() (func(netip.Prefix) bool, error) {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil, err
	}
	var have []netip.Addr
	for _, a := range addrs {
		if ipn, ok := a.(*net.IPNet); ok {
			if ip, ok := netip.AddrFromSlice(ipn.IP); ok {
				have = append(have, ip.Unmap())
			}
		}
	}
	return func(p netip.Prefix) bool {
		for _, a := range have {
			if p.Contains(a) {
				return true
			}
		}
		return false
	}, nil
}

var gcOnce sync.Once

// collectGarbage deletes namespaces left by test processes that died without
// running their cleanup (a `go test -timeout` panic skips t.Cleanup). Only
// names this package makes, and only when their process is gone.
func collectGarbage() {
	gcOnce.Do(func() {
		entries, err := os.ReadDir("/run/netns")
		if err != nil {
			return
		}
		for _, e := range entries {
			rest, ok := strings.CutPrefix(e.Name(), nsPrefix)
			if !ok {
				continue
			}
			pidStr, _, _ := strings.Cut(rest, "-")
			pid, err := strconv.Atoi(pidStr)
			if err != nil || pid <= 0 {
				continue
			}
			if err := unix.Kill(pid, 0); errors.Is(err, unix.ESRCH) {
				_, _ = run("ip", "netns", "del", e.Name())
			}
		}
		collectGuardRoutes()
	})
}

// collectGuardRoutes removes the "unreachable" guard routes of slots that
// nobody holds: a process that died without cleanup leaves them behind.
func collectGuardRoutes() {
	var stale []netip.Prefix
	for _, fam := range []string{"-4", "-6"} {
		out, err := run("ip", fam, "route", "show", "type", "unreachable")
		if err != nil {
			continue
		}
		for _, line := range strings.Split(out, "\n") {
			f := strings.Fields(line)
			if len(f) < 2 || !strings.Contains(line, "metric "+safetyMet) {
				continue
			}
			if p, err := netip.ParsePrefix(f[1]); err == nil {
				stale = append(stale, p)
			}
		}
	}
	for _, p := range stale {
		n, ok := slotOf(p)
		if !ok {
			continue
		}
		f, err := os.OpenFile(filepath.Join(lockDir, fmt.Sprintf("slot-%d.lock", n)), os.O_RDWR|os.O_CREATE, 0o644)
		if err != nil {
			continue
		}
		if unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB) == nil {
			_, _ = run("ip", "route", "del", "unreachable", p.String(), "metric", safetyMet)
		}
		f.Close()
	}
}

// slotOf returns the slot whose guard route p is, if it is one.
func slotOf(p netip.Prefix) (int, bool) {
	for n := range numSlots {
		s := slot{n: n}
		if p == s.block4() || p == s.tun4() || p == s.veth6() || p == s.tun6() {
			return n, true
		}
	}
	return 0, false
}

// waitFor polls cond every few milliseconds until it holds or d passes.
func waitFor(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
}
