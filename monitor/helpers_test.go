package monitor

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"downtime/config"
	"downtime/probe"
)

// t0 is the fake clock's start.
var t0 = time.Date(2026, 11, 26, 21, 0, 0, 0, time.UTC)

// fakeClock is a Clock that moves only when told; safe for the Runner tests
// where the monitor reads it from another goroutine.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock { return &fakeClock{t: t0} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// hostCfg is a host named name with the given thresholds.
func hostCfg(name string, downAfter, upAfter int) config.Host {
	return config.Host{
		Name:      name,
		Address:   name + ".test",
		Target:    probe.Target{Kind: probe.KindICMP, Host: name + ".test"},
		Interval:  time.Second,
		Timeout:   time.Second,
		DownAfter: downAfter,
		UpAfter:   upAfter,
		Origin:    config.OriginConfig,
	}
}

func runtimeHost(name string) config.Host {
	h := hostCfg(name, 3, 1)
	h.Origin = config.OriginRuntime
	return h
}

func okResult(id probe.HostID, rtt time.Duration) probe.Result {
	return probe.Result{ID: id, RTT: rtt}
}

func failResult(id probe.HostID) probe.Result {
	return probe.Result{ID: id, Err: probe.ErrTimeout}
}

// viewOf finds a host's view in a snapshot.
func viewOf(t *testing.T, s Snapshot, id probe.HostID) *HostView {
	t.Helper()
	for _, v := range s.Hosts {
		if v.ID == id {
			return v
		}
	}
	t.Fatalf("host %d not in snapshot", id)
	return nil
}

// fakeStore records every call as a line; fail makes every call fail.
type fakeStore struct {
	mu    sync.Mutex
	calls []string
	fail  error
}

func (s *fakeStore) record(format string, args ...any) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, fmt.Sprintf(format, args...))
	return s.fail
}

func (s *fakeStore) SaveHost(name string, v Saved) error {
	line := fmt.Sprintf("save %s %s since=%s", name, v.State, v.Since.Sub(t0))
	if !v.DownSince.IsZero() {
		line += fmt.Sprintf(" down=%s", v.DownSince.Sub(t0))
	}
	if v.Paused {
		line += fmt.Sprintf(" paused=%s", v.PausedAt.Sub(t0))
	}
	return s.record("%s", line)
}

func (s *fakeStore) OutageStarted(name string, start time.Time) error {
	return s.record("outage-start %s %s", name, start.Sub(t0))
}

func (s *fakeStore) OutageEnded(name string, start, end time.Time) error {
	return s.record("outage-end %s %s %s", name, start.Sub(t0), end.Sub(t0))
}

func (s *fakeStore) AddRuntimeHost(h config.Host) error { return s.record("add %s", h.Name) }

func (s *fakeStore) RemoveRuntimeHost(name string) error { return s.record("remove %s", name) }

// take returns the calls so far and forgets them.
func (s *fakeStore) take() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.calls
	s.calls = nil
	return c
}

var errBoom = errors.New("disk full")

// fakeEngine records Add and Remove calls.
type fakeEngine struct {
	mu  sync.Mutex
	ops []string
}

func (e *fakeEngine) Add(s probe.Spec) {
	e.mu.Lock()
	e.ops = append(e.ops, fmt.Sprintf("add %d", s.ID))
	e.mu.Unlock()
}

func (e *fakeEngine) Remove(id probe.HostID) {
	e.mu.Lock()
	e.ops = append(e.ops, fmt.Sprintf("remove %d", id))
	e.mu.Unlock()
}

func (e *fakeEngine) take() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	o := e.ops
	e.ops = nil
	return o
}
