package probe

import (
	"os"
	"strings"
	"testing"
	"time"
)

const pingGroupRange = "/proc/sys/net/ipv4/ping_group_range"

// allowPingSockets widens net.ipv4.ping_group_range for the test's duration
// so that the unprivileged datagram mode can be exercised as root.
func allowPingSockets(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to change net.ipv4.ping_group_range")
	}
	old, err := os.ReadFile(pingGroupRange)
	if err != nil {
		t.Skipf("cannot read %s: %v", pingGroupRange, err)
	}
	if err := os.WriteFile(pingGroupRange, []byte("0 2147483647"), 0o644); err != nil {
		t.Skipf("cannot write %s: %v", pingGroupRange, err)
	}
	t.Cleanup(func() {
		if err := os.WriteFile(pingGroupRange, []byte(strings.TrimSpace(string(old))), 0o644); err != nil {
			t.Errorf("restore %s: %v", pingGroupRange, err)
		}
	})
}

func TestModesProbeLoopback(t *testing.T) {
	for _, tt := range []struct {
		name string
		mode ICMPMode
		raw  bool
	}{
		{"datagram", ModeDatagram, false},
		{"raw", ModeRaw, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if tt.mode == ModeDatagram {
				allowPingSockets(t)
			} else {
				requireICMP(t)
			}
			e, err := NewEngine(Options{ICMP: true, Mode: tt.mode})
			if err != nil {
				t.Fatal(err)
			}
			if e.v4 == nil || e.v4.raw != tt.raw {
				t.Fatalf("v4 socket %+v, want raw=%v", e.v4, tt.raw)
			}
			wantMode := map[bool]SocketMode{true: SocketRaw, false: SocketUnprivileged}[tt.raw]
			if e.Mode() != wantMode {
				t.Errorf("Mode() = %v, want %v", e.Mode(), wantMode)
			}
			ids := []HostID{1}
			e.Add(Spec{ID: 1, Target: Target{Host: "127.0.0.1"}, Interval: 20 * time.Millisecond, Timeout: 20 * time.Millisecond})
			if e.v6 != nil {
				ids = append(ids, 2)
				e.Add(Spec{ID: 2, Target: Target{Host: "::1"}, Interval: 20 * time.Millisecond, Timeout: 20 * time.Millisecond})
			}
			got := collect(t, e, ids, 5, 5*time.Second)
			for _, id := range ids {
				for _, r := range got[id] {
					if r.Err != nil {
						t.Errorf("host %d seq %d: %v", id, r.Seq, r.Err)
					}
				}
			}
		})
	}
}

func TestNoICMPErrorNamesBothFixes(t *testing.T) {
	for _, fix := range []string{"setcap cap_net_raw+ep", "net.ipv4.ping_group_range"} {
		if !strings.Contains(ErrNoICMP.Error(), fix) {
			t.Errorf("ErrNoICMP does not mention %q:\n%v", fix, ErrNoICMP)
		}
	}
}
