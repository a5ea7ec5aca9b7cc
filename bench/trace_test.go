//go:build bench

package bench

import (
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"downtime/internal/testnet"
)

// hopLine is a hop of an mtr -r report, which `downtime trace` copies:
// "  2.|-- 198.18.3.6   0.0%   5 …".
var hopLine = regexp.MustCompile(`(?m)^\s*(\d+)\.\|--\s+(\S+)`)

// answeredHops are the hops of a report that answered: TTL → address.
func answeredHops(report string) []string {
	var hops []string
	for _, m := range hopLine.FindAllStringSubmatch(report, -1) {
		if m[2] != "???" {
			hops = append(hops, m[1]+" "+m[2])
		}
	}
	return hops
}

// TestTraceMatchesMtr runs `downtime trace -c 5` and `mtr -r -c 5 -n` on
// the same chain of three routers (testnet.NewChain), IPv4 and IPv6, whole
// and with its last link cut, and compares the hops that answered. Both
// reports are printed: bench/trace.sh keeps them in bench/results.
func TestTraceMatchesMtr(t *testing.T) {
	testnet.RequireRoot(t)
	testnet.RequireTool(t, "mtr")
	bin := filepath.Join(t.TempDir(), "downtime")
	if out, err := exec.Command("go", "build", "-o", bin, "..").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	c := testnet.NewChain(t)
	host, _ := os.Hostname()
	compare := func(name string, target netip.Addr) {
		t.Helper()
		ours, err := exec.Command(bin, "trace", "-c", "5", target.String()).CombinedOutput()
		if err != nil {
			t.Fatalf("%s: downtime trace: %v\n%s", name, err, ours)
		}
		mtr, err := exec.Command("mtr", "-r", "-c", "5", "-n", target.String()).CombinedOutput()
		if err != nil {
			t.Fatalf("%s: mtr: %v\n%s", name, err, mtr)
		}
		fmt.Printf("=== %s: %s\n--- downtime trace -c 5 %s\n%s--- mtr -r -c 5 -n %s\n%s",
			name, target, target, strings.ReplaceAll(string(ours), host, "HOST"), target, strings.ReplaceAll(string(mtr), host, "HOST"))
		a, b := answeredHops(string(ours)), answeredHops(string(mtr))
		same := slices.Equal(a, b)
		fmt.Printf("--- answered hops: downtime %v, mtr %v: %s\n\n", a, b, map[bool]string{true: "same", false: "DIFFERENT"}[same])
		if !same || len(a) == 0 {
			t.Errorf("%s: downtime %v, mtr %v", name, a, b)
		}
	}
	compare("IPv4, whole chain", c.Target4(9))
	compare("IPv6, whole chain", c.Target6(9))
	c.CutLast()
	compare("IPv4, last link cut", c.Target4(9))
	compare("IPv6, last link cut", c.Target6(9))
}
