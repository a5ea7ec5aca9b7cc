package monitor

import "time"

// ring holds a host's most recent samples. It is a fixed array inside the
// host, so recording a result never allocates. A sample takes 16 bits: an
// RTT under 65.534 ms (a LAN, a country) is kept there exactly, a longer
// one in big, made for the hosts that have one. At 20,000 hosts, 32-bit
// samples were half of all the memory the program held.
type ring struct {
	next uint8 // where the next sample goes
	n    uint8 // how many samples are held, at most SampleWindow
	buf  [SampleWindow]uint16
	big  *[SampleWindow]Sample // samples of bigCode, at the same index
}

// The codes of buf that are not microseconds.
const (
	bigCode  = 0xfffe // the sample is in big
	lostCode = 0xffff // Lost
)

// push records s, evicting the oldest sample once the window is full.
func (r *ring) push(s Sample) {
	switch {
	case s == Lost:
		r.buf[r.next] = lostCode
	case s < bigCode:
		r.buf[r.next] = uint16(s)
	default:
		if r.big == nil {
			r.big = new([SampleWindow]Sample)
		}
		r.big[r.next] = s
		r.buf[r.next] = bigCode
	}
	r.next = uint8((int(r.next) + 1) % SampleWindow)
	if r.n < SampleWindow {
		r.n++
	}
}

// ordered returns a fresh copy of the samples, oldest first. It is a copy
// because views are published to other goroutines while the ring goes on.
func (r *ring) ordered() []Sample {
	n := int(r.n)
	out := make([]Sample, n)
	start := (int(r.next) - n + SampleWindow) % SampleWindow
	for i := range out {
		j := (start + i) % SampleWindow
		switch c := r.buf[j]; c {
		case lostCode:
			out[i] = Lost
		case bigCode:
			out[i] = r.big[j]
		default:
			out[i] = Sample(c)
		}
	}
	return out
}

// fillStats sets v's statistics from v.Samples: every figure covers the
// same window, so Loss == 1 - Received/Sent holds exactly.
//
// Jitter is the mean absolute difference between consecutive received RTTs
// (lost probes are skipped, not counted as a jump), in the spirit of
// RFC 3550's interarrival jitter but without its exponential smoothing, so
// that it describes the window shown and nothing older.
func (v *HostView) fillStats() {
	var (
		sum, jitterSum int64 // µs
		prev           int64
		lo, hi         Sample
		received       int
	)
	for _, s := range v.Samples {
		if s == Lost {
			continue
		}
		us := int64(s)
		if received == 0 {
			lo, hi = s, s
		} else {
			lo, hi = min(lo, s), max(hi, s)
			d := us - prev
			if d < 0 {
				d = -d
			}
			jitterSum += d
		}
		sum += us
		prev = us
		received++
	}

	v.Sent = len(v.Samples)
	v.Received = received
	if v.Sent > 0 {
		v.Last = v.Samples[v.Sent-1].RTT()
		v.Loss = float64(v.Sent-received) / float64(v.Sent)
	}
	if received > 0 {
		v.Min, v.Max = lo.RTT(), hi.RTT()
		v.Avg = time.Duration(sum/int64(received)) * time.Microsecond
	}
	if received > 1 {
		v.Jitter = time.Duration(jitterSum/int64(received-1)) * time.Microsecond
	}
}
