package probe

import (
	"context"
	"errors"
	"net/netip"
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
	s.pending = []pending{{seq: 70000, token: 0xfeedface, sent: e.toMono(time.Now().Add(-3 * time.Millisecond)), addr: s.addr}}
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
	s.pending = []pending{{seq: 70001, token: 5, sent: e.toMono(time.Now()), addr: s.addr}}
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
	s.pending[0].sent = e.toMono(sent)
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
	s.pending = []pending{{seq: 70001, token: 5, sent: e.toMono(sent), addr: s.addr}}
	e.expire(s, 70001)
	if res := <-out; !errors.Is(res.Err, ErrTimeout) || res.At.Sub(sent).Abs() > time.Microsecond {
		t.Fatalf("expire gave %+v, want a timeout at %v", res, sent)
	}
}
