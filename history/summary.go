package history

import "time"

// Interval is one outage: End is zero while it lasts.
type Interval struct{ Start, End time.Time }

// Summary is one host's history over [From, To): how much of it was
// watched, how much of that it was down, its outages, RTT and loss.
type Summary struct {
	From, To time.Time
	Watched  time.Duration // covered by probes
	Unknown  time.Duration // not watched: downtime not running, host paused or not yet added
	Down     time.Duration // watched time inside outages

	Sent, Lost int
	P50, P95   time.Duration // over the slots' quantiles, weighted by replies; 0 without replies

	Outages     int           // overlapping the range
	OutageTotal time.Duration // their time inside the range
	Longest     time.Duration // the longest, inside the range
	MTTR        time.Duration // mean length of those that ended in the range; 0 when none did
	Recovered   int           // how many ended in the range
}

// Availability is the share of watched time spent up; ok is false when no
// time was watched (no figure, rather than 100 %).
func (s Summary) Availability() (ratio float64, ok bool) {
	if s.Watched <= 0 {
		return 0, false
	}
	return 1 - float64(s.Down)/float64(s.Watched), true
}

// Loss is the share of probes that got no reply; ok is false without probes.
func (s Summary) Loss() (ratio float64, ok bool) {
	if s.Sent == 0 {
		return 0, false
	}
	return float64(s.Lost) / float64(s.Sent), true
}

// Summarize computes a Summary over [from, to) from slots (as the store
// returns them) and the host's outages. Down time is counted only where it
// was watched: an outage that spans a stop of downtime is down while
// downtime watched it and unknown while it did not.
func Summarize(slots []Slot, outages []Interval, from, to time.Time) Summary {
	s := Summary{From: from, To: to}
	var p50s, p95s []weighted
	for _, sl := range slots {
		a, b := later(sl.At, from), earlier(sl.End(), to)
		if !b.After(a) {
			continue
		}
		part := float64(b.Sub(a)) / float64(sl.Span)
		watched := time.Duration(float64(sl.Watched) * part)
		s.Watched += watched
		var down time.Duration
		for _, o := range outages {
			down += overlap(o, a, b)
		}
		s.Down += min(down, watched)
		s.Sent += sl.Sent
		s.Lost += sl.Lost
		if r := sl.Received(); r > 0 {
			p50s = append(p50s, weighted{sl.P50, r})
			p95s = append(p95s, weighted{sl.P95, r})
		}
	}
	s.Unknown = max(to.Sub(from)-s.Watched, 0)
	s.P50 = weightedQuantile(p50s, 0.5)
	s.P95 = weightedQuantile(p95s, 0.95)

	var recovered time.Duration
	for _, o := range outages {
		d := overlap(o, from, to)
		if d <= 0 {
			continue
		}
		s.Outages++
		s.OutageTotal += d
		s.Longest = max(s.Longest, d)
		if !o.End.IsZero() && o.End.Before(to) {
			s.Recovered++
			recovered += d
		}
	}
	if s.Recovered > 0 {
		s.MTTR = recovered / time.Duration(s.Recovered)
	}
	return s
}

// overlap is how long outage o lasted inside [a, b); an open outage lasts
// until b.
func overlap(o Interval, a, b time.Time) time.Duration {
	end := o.End
	if end.IsZero() {
		end = b
	}
	return max(earlier(end, b).Sub(later(o.Start, a)), 0)
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
