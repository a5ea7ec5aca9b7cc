package store

import (
	"testing"
	"time"

	"downtime/config"
	"downtime/monitor"
	"downtime/probe"
)

// stepClock is a monitor clock that moves only when told.
type stepClock struct{ t time.Time }

func (c *stepClock) Now() time.Time { return c.t }

// TestRemovedDownHostLeavesNoOngoingOutage covers issue 11 (reading) item
// 2 with the real state file: a runtime host removed while DOWN has its
// outage closed, so a host added later under the same name shows no
// ongoing outage and its uptime does not count as down until now.
func TestRemovedDownHostLeavesNoOngoingOutage(t *testing.T) {
	s, _ := openTemp(t)
	clock := &stepClock{t: t0}
	m := monitor.New(clock, nil, nil)
	m.SetStore(s, func(err error) { t.Errorf("store: %v", err) })
	h := config.Host{Name: "rt", Address: "198.18.0.9", Target: probe.Target{Kind: probe.KindICMP, Host: "198.18.0.9"},
		Interval: time.Second, Timeout: time.Second, DownAfter: 2, UpAfter: 1, Origin: config.OriginRuntime}
	id, err := m.Add(h)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		m.Handle(probe.Result{ID: id, Err: probe.ErrTimeout})
	}
	clock.t = t0.Add(10 * time.Minute)
	if err := m.Remove(id); err != nil {
		t.Fatal(err)
	}
	clock.t = t0.Add(time.Hour)
	if _, err := m.Add(h); err != nil {
		t.Fatal(err)
	}

	got, err := s.Outages("rt", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	want := []Outage{{Host: "rt", Start: t0, End: t0.Add(10 * time.Minute)}}
	if !equalOutages(got, want) {
		t.Errorf("outages %+v, want the one closed at the removal %+v", got, want)
	}
}
