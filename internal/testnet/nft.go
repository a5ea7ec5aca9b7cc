package testnet

import (
	"fmt"
	"testing"
)

// DropEchoRequests drops a random percent % of echo requests to the host until ClearDrops or t ends.
func (h *Host) DropEchoRequests(t testing.TB, percent int) {
	t.Helper()
	// Both ICMP and ICMPv6, received (Addr4, Addr6) or forwarded (the
	// targets of NewDelayedHost). A second call replaces the first; 0
	// clears. Skips t when nft is missing.
	if percent < 0 || percent > 100 {
		t.Fatalf("testnet: DropEchoRequests(%d): percent must be 0..100", percent)
	}
	RequireTool(t, "nft")
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := h.clearDropsLocked(); err != nil {
		t.Fatalf("testnet: %v", err)
	}
	if percent == 0 {
		return
	}
	// The table lives in the namespace: nothing in the test's own ruleset is
	// touched, and the namespace takes it along if cleanup never runs. The
	// unique name keeps it apart from anything else someone loads there.
	table := "dtdrop_" + randHex(4)
	rule := fmt.Sprintf("numgen random mod 100 < %d drop", percent)
	if percent == 100 {
		rule = "drop" // nft rejects "< 100" against a 0..99 value
	}
	script := fmt.Sprintf(`table inet %[1]s {
	chain input {
		type filter hook input priority filter - 10; policy accept;
		icmp type echo-request %[2]s
		icmpv6 type echo-request %[2]s
	}
	chain forward {
		type filter hook forward priority filter - 10; policy accept;
		icmp type echo-request %[2]s
		icmpv6 type echo-request %[2]s
	}
}
`, table, rule)
	if out, err := runIn([]byte(script), "ip", "netns", "exec", h.Name, "nft", "-f", "-"); err != nil {
		t.Fatalf("testnet: nft in %s: %v: %s\n%s", h.Name, err, out, script)
	}
	h.dropTable = table
	// Runs before the namespace goes (LIFO); harmless if ClearDrops ran.
	t.Cleanup(func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		if err := h.clearDropsLocked(); err != nil {
			t.Errorf("testnet: %v", err)
		}
	})
}

// ClearDrops removes the rule set by DropEchoRequests.
func (h *Host) ClearDrops() {
	h.t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := h.clearDropsLocked(); err != nil {
		h.t.Fatalf("testnet: %v", err)
	}
}

func (h *Host) clearDropsLocked() error {
	if h.dropTable == "" {
		return nil
	}
	if out, err := run("ip", "netns", "exec", h.Name, "nft", "delete", "table", "inet", h.dropTable); err != nil {
		return fmt.Errorf("nft delete table %s in %s: %v: %s", h.dropTable, h.Name, err, out)
	}
	h.dropTable = ""
	return nil
}
