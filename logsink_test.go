package main

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"downtime/monitor"
)

// TestTransitionLinesSayWhatANameResolvedTo: issue 10 item 10, "a DNS name
// never shows the address it resolved to": host down, up and still down
// carry resolved= for a DNS name, and nothing more for an IP target.
func TestTransitionLinesSayWhatANameResolvedTo(t *testing.T) {
	since := time.Date(2026, 11, 26, 21, 4, 5, 0, time.UTC)
	web := monitor.Transition{Host: "web01", Address: "web01.example", Resolved: netip.MustParseAddr("198.18.0.5"), DownSince: since}
	ip := monitor.Transition{Host: "db1", Address: "198.18.0.7", DownSince: since}
	tests := []struct {
		name string
		tr   monitor.Transition
		want string
	}{
		{"down", with(web, monitor.Up, monitor.Down, false), `level=WARN msg="host down" host=web01 address=web01.example resolved=198.18.0.5 since=2026-11-26T21:04:05Z`},
		{"up", with(web, monitor.Down, monitor.Up, false), `msg="host up" host=web01 address=web01.example resolved=198.18.0.5 since=`},
		{"still down", with(web, monitor.Down, monitor.Down, true), `msg="host still down" host=web01 address=web01.example resolved=198.18.0.5 since=`},
		{"IP target", with(ip, monitor.Up, monitor.Down, false), `msg="host down" host=db1 address=198.18.0.7 since=2026-11-26T21:04:05Z`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			transitionLogger(newLogger("text", &b))(tt.tr)
			if !strings.Contains(b.String(), tt.want) {
				t.Errorf("got %q, want it to hold %q", b.String(), tt.want)
			}
		})
	}
}

func with(t monitor.Transition, from, to monitor.State, restored bool) monitor.Transition {
	t.From, t.To, t.Restored = from, to, restored
	t.At = t.DownSince.Add(time.Minute)
	return t
}
