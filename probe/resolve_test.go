package probe

import (
	"context"
	"errors"
	"net/netip"
	"sync"
	"testing"
	"time"
)

// fakeResolver answers from a table that tests change while the engine
// runs; it never sends a DNS query.
type fakeResolver struct {
	mu      sync.Mutex
	answers map[string][]netip.Addr
	lookups map[string]int
}

func (f *fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lookups[host]++
	if a, ok := f.answers[host]; ok {
		return a, nil
	}
	return nil, errors.New("no such host")
}

func (f *fakeResolver) set(host string, addrs ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var as []netip.Addr
	for _, a := range addrs {
		as = append(as, netip.MustParseAddr(a))
	}
	f.answers[host] = as
}

func TestNamesResolveAndUnresolvableNamesFail(t *testing.T) {
	requireICMP(t)
	res := &fakeResolver{answers: map[string][]netip.Addr{}, lookups: map[string]int{}}
	res.set("web.test", "::1", "127.0.0.5") // IPv4 preferred
	e, err := NewEngine(Options{ICMP: true, Resolver: res})
	if err != nil {
		t.Fatal(err)
	}
	spec := func(id HostID, name string) Spec {
		return Spec{ID: id, Target: Target{Host: name}, Interval: 20 * time.Millisecond, Timeout: 20 * time.Millisecond}
	}
	e.Add(spec(1, "web.test"))
	e.Add(spec(2, "nx.test"))
	got := collect(t, e, []HostID{1, 2}, 5, 5*time.Second)
	for _, r := range got[1] {
		if r.Err != nil || r.Addr != netip.MustParseAddr("127.0.0.5") {
			t.Errorf("web.test: %+v, want success from 127.0.0.5", r)
		}
	}
	for _, r := range got[2] {
		var rerr *ResolveError
		if !errors.As(r.Err, &rerr) || rerr.Name != "nx.test" {
			t.Errorf("nx.test: err %v, want a ResolveError naming the host", r.Err)
		}
	}
}

func TestNameThatStartsResolvingIsProbed(t *testing.T) {
	requireICMP(t)
	res := &fakeResolver{answers: map[string][]netip.Addr{}, lookups: map[string]int{}}
	// ResolveEvery is short so that the failed lookup is retried soon.
	e, err := NewEngine(Options{ICMP: true, Resolver: res, ResolveEvery: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	e.Add(Spec{ID: 1, Target: Target{Host: "late.test"}, Interval: 20 * time.Millisecond, Timeout: 20 * time.Millisecond})
	out := runEngine(t, e, 100)

	deadline := time.After(5 * time.Second)
	sawFailure := false
	for {
		select {
		case r := <-out:
			if r.Err != nil {
				sawFailure = true
				res.set("late.test", "127.0.0.6")
				continue
			}
			if !sawFailure {
				t.Fatalf("success %+v before the name resolved", r)
			}
			if r.Addr != netip.MustParseAddr("127.0.0.6") {
				t.Fatalf("success from %v, want 127.0.0.6", r.Addr)
			}
			return
		case <-deadline:
			t.Fatal("the name that started resolving was never probed")
		}
	}
}

// TestSentToFollowsAddressChanges: when a name resolves to a new address,
// the probes still in flight keep the address they went to, and the
// earlier addresses are forgotten once no probe in flight went there.
func TestSentToFollowsAddressChanges(t *testing.T) {
	a, b, c := netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("127.0.0.2"), netip.MustParseAddr("127.0.0.3")
	s := &slot{ext: &slotExt{name: new(nameState)}}
	send := func() uint64 {
		s.seq++
		s.addPending(pending{seq: s.seq})
		return s.seq
	}
	s.setAddrLocked(a)
	p1, p2 := send(), send()
	s.setAddrLocked(b)
	p3 := send()
	s.setAddrLocked(c)
	p4 := send()
	for _, tt := range []struct {
		seq  uint64
		want netip.Addr
	}{{p1, a}, {p2, a}, {p3, b}, {p4, c}} {
		if got := s.sentTo(tt.seq); got != tt.want {
			t.Fatalf("probe %d went to %v, sentTo says %v", tt.seq, tt.want, got)
		}
	}
	for _, seq := range []uint64{p1, p2, p3} {
		s.takeLocked(seq, 0, false)
	}
	s.setAddrLocked(a) // only p4 (to c) is in flight
	if len(s.name().past) != 1 || s.sentTo(p4) != c || s.sentTo(send()) != a {
		t.Fatalf("past = %+v, want only c for probe %d", s.name().past, p4)
	}
	s.setAddrLocked(a) // no change
	s.takeLocked(p4, 0, false)
	s.takeLocked(p4+1, 0, false)
	s.setAddrLocked(b) // nothing in flight
	if len(s.name().past) != 0 {
		t.Fatalf("past = %+v with nothing in flight", s.name().past)
	}
}
