package probe

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"testing"
	"time"
)

// newMatchEngine builds an engine with no sockets whose one host has a probe
// in flight, to drive match directly.
func newMatchEngine(t *testing.T) (*Engine, *slot, chan Result) {
	t.Helper()
	e, err := NewEngine(Options{})
	if err != nil {
		t.Fatal(err)
	}
	out := make(chan Result, 10)
	e.out, e.ctx = out, context.Background()
	s := &slot{spec: Spec{ID: 7, Target: Target{Host: "198.18.0.9"}, Interval: time.Second, Timeout: time.Second},
		addr: netip.MustParseAddr("198.18.0.9")}
	s.setPending(pending{seq: 70000, token: 0xfeedface, sent: e.toMono(time.Now().Add(-3 * time.Millisecond))})
	e.setLocked(7, s)
	return e, s, out
}

func TestMatchCountsOnlyTheExactReply(t *testing.T) {
	good := reply{from: netip.MustParseAddr("198.18.0.9"), seq16: 70000 & 0xffff, id: 7, seq: 70000, token: 0xfeedface}
	tests := []struct {
		name   string
		mutate func(r *reply)
		want   bool
	}{
		{"exact reply", func(r *reply) {}, true},
		{"from another address", func(r *reply) { r.from = netip.MustParseAddr("198.18.0.10") }, false},
		{"corrupted token", func(r *reply) { r.token ^= 1 }, false},
		{"another host's id", func(r *reply) { r.id = 8 }, false},
		{"sequence not in flight", func(r *reply) { r.seq, r.seq16 = 69999, 69999&0xffff }, false},
		{"header seq disagrees with payload", func(r *reply) { r.seq16++ }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, _, out := newMatchEngine(t)
			r := good
			r.at = time.Now()
			tt.mutate(&r)
			e.match(r)
			select {
			case res := <-out:
				if !tt.want {
					t.Fatalf("reply counted: %+v", res)
				}
				if res.Err != nil || res.ID != 7 || res.Seq != 70000 || res.RTT < 3*time.Millisecond {
					t.Fatalf("result = %+v, want success of host 7 seq 70000 with RTT >= 3ms", res)
				}
			default:
				if tt.want {
					t.Fatal("exact reply not counted")
				}
				if e.Stats().Ignored != 1 {
					t.Fatalf("ignored = %d, want 1", e.Stats().Ignored)
				}
			}
		})
	}
}

func TestMatchDuplicateAndLateRepliesDoNotCount(t *testing.T) {
	e, s, out := newMatchEngine(t)
	r := reply{from: s.addr, seq16: 70000 & 0xffff, id: 7, seq: 70000, token: 0xfeedface, at: time.Now()}
	e.match(r)
	e.match(r) // duplicate
	if got := len(out); got != 1 {
		t.Fatalf("%d results from a reply and its duplicate, want 1", got)
	}
	<-out
	// A probe that timed out is gone: its late reply is ignored.
	s.setPending(pending{seq: 70001, token: 5, sent: e.toMono(time.Now())})
	e.expire(s, 70001)
	if res := <-out; !errors.Is(res.Err, ErrTimeout) {
		t.Fatalf("expire gave %+v, want timeout", res)
	}
	e.match(reply{from: s.addr, seq16: 70001 & 0xffff, id: 7, seq: 70001, token: 5, at: time.Now()})
	if len(out) != 0 {
		t.Fatal("late reply counted")
	}
	if got := e.Stats().Ignored; got != 2 {
		t.Fatalf("ignored = %d, want 2", got)
	}
}

func TestRemovedHostsProbesAreNotReported(t *testing.T) {
	e, s, out := newMatchEngine(t)
	e.Remove(7)
	// The host comes back under the same ID (a resume): the old slot's
	// timeout and late reply must not be reported for it.
	e.Add(Spec{ID: 7, Target: Target{Host: "198.18.0.9"}, Interval: time.Second, Timeout: time.Second})
	e.expire(s, 70000)
	e.match(reply{from: s.addr, seq16: 70000 & 0xffff, id: 7, seq: 70000, token: 0xfeedface, at: time.Now()})
	if len(out) != 0 {
		t.Fatalf("removed slot reported %+v", <-out)
	}
}

// TestMatchTimesFromTheSend: a reply's RTT is the monotonic time since its
// probe was sent, and its At is the send time on the reply's wall clock.
func TestMatchTimesFromTheSend(t *testing.T) {
	e, s, out := newMatchEngine(t)
	sent := time.Now()
	s.first.sent = e.toMono(sent)
	r := reply{from: s.addr, seq16: 70000 & 0xffff, id: 7, seq: 70000, token: 0xfeedface, at: sent.Add(1234567 * time.Nanosecond)}
	e.match(r)
	res := <-out
	if res.Err != nil || res.RTT != 1234567*time.Nanosecond {
		t.Fatalf("result = %+v, want RTT 1.234567ms", res)
	}
	if !res.At.Equal(sent) {
		t.Fatalf("At = %v, want the send time %v", res.At, sent)
	}
	// A timeout's At is its send time too.
	s.setPending(pending{seq: 70001, token: 5, sent: e.toMono(sent)})
	e.expire(s, 70001)
	if res := <-out; !errors.Is(res.Err, ErrTimeout) || res.At.Sub(sent).Abs() > time.Microsecond {
		t.Fatalf("expire gave %+v, want a timeout at %v", res, sent)
	}
}

// TestPendingInFlight: the probes of a host in flight, one in the slot and
// the rest beside it, are found and taken in any order, oldest first, and
// a wrong token takes nothing.
func TestPendingInFlight(t *testing.T) {
	var s slot
	if s.inFlight(0) {
		t.Fatal("seq 0 is never in flight")
	}
	if _, ok := s.takeLocked(0, 0, false); ok {
		t.Fatal("took seq 0 from an empty slot")
	}
	for seq := uint64(1); seq <= 4; seq++ {
		s.addPending(pending{seq: seq, token: seq * 10})
	}
	inFlight := func(want ...uint64) {
		t.Helper()
		for seq := uint64(0); seq <= 6; seq++ {
			if got := s.inFlight(seq); got != slices.Contains(want, seq) {
				t.Fatalf("inFlight(%d) = %v, want in flight %v", seq, got, want)
			}
		}
	}
	inFlight(1, 2, 3, 4)
	if _, ok := s.takeLocked(1, 99, true); ok {
		t.Fatal("took seq 1 with a wrong token")
	}
	if p, ok := s.takeLocked(3, 30, true); !ok || p.seq != 3 {
		t.Fatalf("take 3 = %+v, %v", p, ok)
	}
	inFlight(1, 2, 4)
	if p, ok := s.takeLocked(1, 10, true); !ok || p.seq != 1 {
		t.Fatalf("take 1 = %+v, %v", p, ok)
	}
	if s.first.seq != 2 {
		t.Fatalf("oldest in flight = %d, want 2", s.first.seq)
	}
	s.addPending(pending{seq: 5})
	inFlight(2, 4, 5)
	for _, seq := range []uint64{2, 4, 5} {
		if _, ok := s.takeLocked(seq, 0, false); !ok {
			t.Fatalf("take %d failed", seq)
		}
	}
	inFlight()
	s.addPending(pending{seq: 6})
	if s.first.seq != 6 || len(s.ext.more) != 0 {
		t.Fatalf("one probe in flight: first %d, %d more", s.first.seq, len(s.ext.more))
	}
}
