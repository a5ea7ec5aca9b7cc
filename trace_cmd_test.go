package main

import (
	"bytes"
	"context"
	"net/netip"
	"strings"
	"testing"
)

// A HOST that is no valid target or does not resolve is a target error:
// downtime trace exits 78, as the monitor does, not 2 (bad usage). None of
// these cases sends a DNS query: the stub answers db1.example, and the
// others are refused before any lookup (the stub panics on a name it was
// not given).
func TestTraceBadHostExitsConfig(t *testing.T) {
	withResolver(t, stubResolver{"db1.example": nil})
	tests := []struct {
		args []string
		code int
		err  string
	}{
		{[]string{"db1.example"}, exitConfig, "resolve db1.example: lookup db1.example: no such host"},
		{[]string{"db1..example"}, exitConfig, "empty label"},
		{[]string{"198.18.0.300"}, exitConfig, "not a valid IPv4 address"},
		{[]string{"tcp://127.0.0.1:22"}, exitConfig, "not a tcp:// target"},
		{[]string{"-c", "0", "127.0.0.1"}, exitUsage, "-c must be at least 1"},
		{nil, exitUsage, "name one HOST"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := traceCmd(context.Background(), tt.args, &stdout, &stderr)
			if code != tt.code {
				t.Errorf("exit %d, want %d (stderr %q)", code, tt.code, stderr.String())
			}
			if !strings.Contains(stderr.String(), tt.err) {
				t.Errorf("stderr %q lacks %q", stderr.String(), tt.err)
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout %q, want nothing", stdout.String())
			}
		})
	}
}

// resolveTraceHost takes an IP as it is and the IPv4 address of a name
// that has both, as mtr does.
func TestResolveTraceHost(t *testing.T) {
	withResolver(t, stubResolver{"db1.example": {netip.MustParseAddr("::1"), netip.MustParseAddr("::ffff:127.0.0.2")}})
	for host, want := range map[string]string{
		"db1.example":      "127.0.0.2",
		"::ffff:127.0.0.3": "127.0.0.3",
		"::1":              "::1",
	} {
		got, err := resolveTraceHost(context.Background(), host)
		if err != nil || got.String() != want {
			t.Errorf("resolveTraceHost(%q) = %v, %v; want %s", host, got, err, want)
		}
	}
}

// TestTraceInterruptedLookup: a SIGINT while HOST is being looked up ends
// the trace as an interrupt does anywhere else (exit 0, saying so), not as
// a bad target (78).
func TestTraceInterruptedLookup(t *testing.T) {
	withResolver(t, stubResolver{"db1.example": {netip.MustParseAddr("127.0.0.1")}})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var stdout, stderr bytes.Buffer
	if code := traceCmd(ctx, []string{"db1.example"}, &stdout, &stderr); code != exitOK || !strings.Contains(stderr.String(), "interrupted") {
		t.Errorf("exit %d, stderr %q; want 0 and interrupted", code, stderr.String())
	}
}
