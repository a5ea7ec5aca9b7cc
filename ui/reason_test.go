package ui

import (
	"strings"
	"testing"

	"downtime/monitor"
)

// issue 10 item 5: the table says why a DOWN host is down.
func TestDownRowsSayWhy(t *testing.T) {
	for _, tt := range []struct{ lastErr, want string }{
		{"timeout", "timeout"},
		{"refused", "refused"},
		{"no such host", "no such host"},
		{"prohibited by 198.18.0.6", "prohibited"},
		{"host unreachable from 198.18.0.6", "unreachable"},
		{"TTL exceeded at 198.18.0.2", "TTL exceeded"},
	} {
		snap := fixture(t, 0)
		out := monitor.Snapshot{At: snap.At}
		for _, v := range snap.Hosts {
			if v.Name == "core-sw1" {
				c := *v
				c.LastErr = tt.lastErr
				v = &c
			}
			out.Hosts = append(out.Hosts, v)
		}
		m, _ := newTest(t, 80, 24, out, Options{})
		if row := rowOf(m, "core-sw1"); !strings.Contains(row, " "+tt.want+" ") {
			t.Errorf("LastErr %q: row %q, want %q in it", tt.lastErr, row, tt.want)
		}
	}
}
