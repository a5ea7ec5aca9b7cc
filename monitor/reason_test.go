package monitor

import (
	"fmt"
	"net/netip"
	"syscall"
	"testing"

	"downtime/probe"
)

// issue 10 item 5 and issue 14 item 1: the DOWN and the host's view carry
// the short reason of the last failure, the same text everywhere.
func TestDownCarriesTheShortReason(t *testing.T) {
	router := netip.MustParseAddr("198.18.0.6")
	for _, tt := range []struct {
		err  error
		want string
	}{
		{probe.ErrTimeout, "timeout"},
		{fmt.Errorf("dial tcp 127.0.0.1:1: connect: %w", syscall.ECONNREFUSED), "refused"},
		{&probe.ICMPError{From: router, Type: 3, Code: 13}, "prohibited by 198.18.0.6"},
		{&probe.ICMPError{From: router, Type: 3, Code: 1}, "host unreachable from 198.18.0.6"},
		{fmt.Errorf("send: %w", syscall.EHOSTUNREACH), "no route"},
	} {
		m := New(newClock(), nil, nil)
		id, err := m.Add(hostCfg("h", 2, 1))
		if err != nil {
			t.Fatal(err)
		}
		var down Transition
		for range 2 {
			if tr, ok := m.Handle(probe.Result{ID: id, Err: tt.err}); ok {
				down = tr
			}
		}
		if down.To != Down || down.Reason != tt.want {
			t.Errorf("%v: transition %+v, want DOWN with reason %q", tt.err, down, tt.want)
		}
		if v := viewOf(t, m.Snapshot(), id); v.LastErr != tt.want {
			t.Errorf("%v: LastErr %q, want %q", tt.err, v.LastErr, tt.want)
		}
	}
}
