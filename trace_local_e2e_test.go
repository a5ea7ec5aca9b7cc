package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"downtime/internal/testnet"
)

// TestTraceEndsAtThisMachine: a host on this machine's own link that is
// gone (its end of the wire is down) is not reached; this machine itself
// says so, after its ARP requests go unanswered. The report says the path
// ends here, not "at hop 1" as if a router had answered.
func TestTraceEndsAtThisMachine(t *testing.T) {
	h := testnet.NewHost(t, testnet.NoIPv6())
	h.LinkDown()
	var stdout, stderr bytes.Buffer
	code := traceCmd(context.Background(), []string{"-c", "2", "--max-hops", "3", "--timeout", "4s", h.Addr4.String()}, &stdout, &stderr)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	want := h.Addr4.String() + " not reached: path ends at this machine (" + h.LocalAddr4.String() + ")"
	if !strings.Contains(stdout.String(), want) {
		t.Errorf("report lacks %q:\n%s", want, stdout.String())
	}
}
