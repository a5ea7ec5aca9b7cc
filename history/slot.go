// Package history keeps each host's latency and loss per minute and per
// hour: an Aggregator folds probe results into minute slots inside the
// monitor's goroutine, a Writer stores them in batches from a goroutine of
// its own, and Summarize turns stored slots into availability and RTT
// figures for the detail view and `downtime report`.
package history

import (
	"math"
	"slices"
	"time"
)

// Slot is what is known of one host over one minute or one hour.
type Slot struct {
	At       time.Time     // the slot's start (UTC)
	Span     time.Duration // time.Minute or time.Hour
	Sent     int           // probes sent
	Lost     int           // of which no valid reply came
	Watched  time.Duration // time covered by probes: Sent × interval, at most Span; the rest is unknown
	Min, P50 time.Duration // round-trip times of the replies; zero when none came
	P95, Max time.Duration
}

// Received is the number of replies.
func (s Slot) Received() int { return s.Sent - s.Lost }

// End is the slot's end.
func (s Slot) End() time.Time { return s.At.Add(s.Span) }

// rttSteps is how many codes an octave of RTT gets: 32, so that codes are
// 2.2 % apart and a stored RTT is within 1.1 % of the measured one. Finer
// codes cost the state file more than its size budget allows (README,
// "History and reports"): the deltas between a minute's RTTs, jittery by
// nature, take more bits and flate cannot squeeze them.
var rttSteps = 32.0

// rttCode quantizes a round-trip time on that log scale.
func rttCode(d time.Duration) uint32 {
	us := float64(d) / float64(time.Microsecond)
	if us < 1 {
		us = 1
	}
	return uint32(math.Round(rttSteps * math.Log2(us)))
}

// rttOf is the inverse of rttCode.
func rttOf(code uint32) time.Duration {
	us := math.Exp2(float64(code) / rttSteps)
	return time.Duration(math.Round(us)) * time.Microsecond
}

// Quantize rounds d to what the store keeps of it.
func Quantize(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return rttOf(rttCode(d))
}

// rank is the index of the q-quantile of n sorted values (nearest rank).
func rank(n int, q float64) int {
	return clampInt(int(math.Ceil(q*float64(n)))-1, 0, n-1)
}

func clampInt(v, lo, hi int) int { return max(lo, min(v, hi)) }

// weighted is a value with a weight, for quantiles over slots.
type weighted struct {
	v time.Duration
	w int
}

// weightedQuantile is the q-quantile of values each counted w times.
func weightedQuantile(vs []weighted, q float64) time.Duration {
	total := 0
	for _, v := range vs {
		total += v.w
	}
	if total == 0 {
		return 0
	}
	slices.SortFunc(vs, func(a, b weighted) int { return int(a.v - b.v) })
	rank := int(math.Ceil(q * float64(total)))
	rank = max(rank, 1)
	seen := 0
	for _, v := range vs {
		seen += v.w
		if seen >= rank {
			return v.v
		}
	}
	return vs[len(vs)-1].v
}

// Merge folds slots (of any spans, all inside [at, at+span)) into one slot
// of span: counts and watched time add up, Min and Max are the extremes, and
// P50 and P95 are the slots' P50s and P95s taken at that quantile, weighted
// by replies. An hour's median is so the median of its minutes' medians: a
// close estimate when the minutes are alike, which is what the charts and
// the report need.
func Merge(at time.Time, span time.Duration, slots []Slot) Slot {
	out := Slot{At: at, Span: span}
	var p50s, p95s []weighted
	for _, s := range slots {
		out.Sent += s.Sent
		out.Lost += s.Lost
		out.Watched += s.Watched
		if r := s.Received(); r > 0 {
			if out.Min == 0 || s.Min < out.Min {
				out.Min = s.Min
			}
			out.Max = max(out.Max, s.Max)
			p50s = append(p50s, weighted{s.P50, r})
			p95s = append(p95s, weighted{s.P95, r})
		}
	}
	out.Watched = min(out.Watched, span)
	out.P50 = weightedQuantile(p50s, 0.5)
	out.P95 = weightedQuantile(p95s, 0.95)
	return out
}
