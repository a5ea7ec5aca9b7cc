package store

import (
	"testing"
	"time"
)

func equalOutages(a, b []Outage) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Host != b[i].Host || !a[i].Start.Equal(b[i].Start) || !a[i].End.Equal(b[i].End) {
			return false
		}
	}
	return true
}

func TestOutagesRoundTrip(t *testing.T) {
	s, _ := openTemp(t)
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	steps := []func() error{
		func() error { return s.OutageStarted("a", at(0)) },
		func() error { return s.OutageStarted("a", at(0)) }, // repeated after a restart: no second row
		func() error { return s.OutageEnded("a", at(0), at(5)) },
		func() error { return s.OutageEnded("a", at(0), at(9)) },   // already closed: the first end stays
		func() error { return s.OutageStarted("a", at(20)) },       // still open
		func() error { return s.OutageEnded("a", at(10), at(12)) }, // start never recorded: whole outage
		func() error { return s.OutageStarted("b", at(1)) },        // another host
	}
	for i, step := range steps {
		if err := step(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}

	for _, c := range []struct {
		name  string
		host  string
		since time.Time
		want  []Outage
	}{
		{"all, newest first", "a", time.Time{}, []Outage{
			{Host: "a", Start: at(20)},
			{Host: "a", Start: at(10), End: at(12)},
			{Host: "a", Start: at(0), End: at(5)},
		}},
		{"since drops those ended before", "a", at(6), []Outage{
			{Host: "a", Start: at(20)},
			{Host: "a", Start: at(10), End: at(12)},
		}},
		{"since keeps one ending exactly then", "a", at(12), []Outage{
			{Host: "a", Start: at(20)},
			{Host: "a", Start: at(10), End: at(12)},
		}},
		{"an open one is always kept", "a", at(1000), []Outage{{Host: "a", Start: at(20)}}},
		{"other host", "b", time.Time{}, []Outage{{Host: "b", Start: at(1)}}},
		{"unknown host", "c", time.Time{}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := s.Outages(c.host, c.since)
			if err != nil {
				t.Fatal(err)
			}
			if !equalOutages(got, c.want) {
				t.Errorf("Outages(%q, %v) =\n%v\nwant\n%v", c.host, c.since, got, c.want)
			}
		})
	}
}

func TestOutageRejectsZeroTimes(t *testing.T) {
	s, _ := openTemp(t)
	if err := s.OutageStarted("a", time.Time{}); err == nil {
		t.Error("OutageStarted with a zero start succeeded")
	}
	if err := s.OutageEnded("a", t0, time.Time{}); err == nil {
		t.Error("OutageEnded with a zero end succeeded")
	}
}
