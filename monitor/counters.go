package monitor

import (
	"errors"
	"time"

	"downtime/probe"
)

// RTTBuckets are the upper bounds of the RTT histogram a host keeps: from a
// loopback's tenth of a millisecond to a second, roughly ×2.5 apart. A reply
// slower than the last bound (possible with a timeout over 1s) counts only
// in the overflow bucket.
var RTTBuckets = [...]time.Duration{
	100 * time.Microsecond,
	250 * time.Microsecond,
	500 * time.Microsecond,
	time.Millisecond,
	2500 * time.Microsecond,
	5 * time.Millisecond,
	10 * time.Millisecond,
	25 * time.Millisecond,
	50 * time.Millisecond,
	100 * time.Millisecond,
	250 * time.Millisecond,
	500 * time.Millisecond,
	time.Second,
}

// Counters are a host's running totals since it was added in this process
// (a restart starts them at zero, as Prometheus expects of counters). Unlike
// the statistics they never forget a probe, so a scraper that reads them
// now and then still counts every one.
type Counters struct {
	OK      uint64 // probes answered
	Timeout uint64 // probes that got no reply in time
	Error   uint64 // probes that failed otherwise: no route, refused, a name that does not resolve
	Outages uint64 // transitions to DOWN (a restored outage is not a new one)

	// Probes answered by an ICMP error: destination unreachable, prohibited
	// (administratively), TTL exceeded.
	Unreachable, Prohibited, TTLExceeded uint64

	// RTTCounts[i] counts the answered probes with RTT ≤ RTTBuckets[i]
	// and above the bound before it; the last element counts those above
	// every bound. They are not cumulative.
	RTTCounts [len(RTTBuckets) + 1]uint64
	RTTSum    time.Duration // sum of the answered probes' RTTs
}

// Probes is the number of probes counted, whatever their outcome.
func (c *Counters) Probes() uint64 {
	return c.OK + c.Timeout + c.Error + c.Unreachable + c.Prohibited + c.TTLExceeded
}

// record counts one probe result.
func (c *Counters) record(r probe.Result) {
	switch {
	case r.Err == nil:
		c.OK++
		c.RTTSum += r.RTT
		c.RTTCounts[rttBucket(r.RTT)]++
	case errors.Is(r.Err, probe.ErrTimeout):
		c.Timeout++
	case errors.As(r.Err, new(*probe.ICMPError)):
		var ie *probe.ICMPError
		errors.As(r.Err, &ie)
		switch ie.Result() {
		case "prohibited":
			c.Prohibited++
		case "ttl_exceeded":
			c.TTLExceeded++
		default:
			c.Unreachable++
		}
	default:
		c.Error++
	}
}

// rttBucket is the index of the first bucket whose bound is at least rtt.
func rttBucket(rtt time.Duration) int {
	for i, b := range RTTBuckets {
		if rtt <= b {
			return i
		}
	}
	return len(RTTBuckets)
}
