package history

import (
	"math"
	"slices"
	"sync/atomic"
	"time"

	"downtime/probe"
)

// Minute is one closed minute of one host, on its way to the store.
type Minute struct {
	Host string
	Slot
}

// Aggregator folds probe results into one open minute a host. It belongs to
// the monitor's goroutine (it is not safe for concurrent use) and never
// blocks it: closed minutes go to the writer as one batch a minute through
// a bounded channel, and a batch that does not fit is dropped and counted.
type Aggregator struct {
	out     chan<- []Minute
	hosts   []*open // by probe.HostID
	pending []Minute
	// sweepAt is when the minutes before sweepMinute are closed even for
	// hosts that sent nothing since (paused, removed, slow to answer).
	sweepAt     time.Time
	sweepMinute time.Time
	dropped     atomic.Int64
	// handed is the last batch given to the writer, kept (see KeepHanded)
	// because the writer may hold it for a while before the store has it.
	handed     []Minute
	keepHanded bool
}

// open is one host's minute being filled.
type open struct {
	name    string
	minute  time.Time // zero: none open
	sent    int
	watched time.Duration
	rtts    []uint16 // rttCode of each reply: a minute in 120 bytes at 1 s, as exact as what is stored
}

// Grace is how long after a minute ends it stays open for late results: a
// probe sent at 12:00:59 may be answered, or time out, at 12:01:01.
const Grace = 10 * time.Second

// NewAggregator sends closed minutes to out.
func NewAggregator(out chan<- []Minute) *Aggregator {
	return &Aggregator{out: out}
}

// Dropped is the number of minutes lost because the writer fell behind.
func (a *Aggregator) Dropped() int64 { return a.dropped.Load() }

// Record adds the result of a probe of host name, probed every interval. A
// probe covers the interval it stands for (at most a minute) as watched time.
func (a *Aggregator) Record(name string, interval time.Duration, r probe.Result) {
	at := r.At.UTC()
	minute := at.Truncate(time.Minute)
	o := a.host(r.ID, name)
	if !o.minute.Equal(minute) {
		if !o.minute.IsZero() {
			a.close(o)
		}
		o.minute = minute
	}
	o.sent++
	o.watched += min(interval, time.Minute)
	if r.Err == nil {
		o.rtts = append(o.rtts, uint16(min(rttCode(r.RTT), math.MaxUint16)))
	}
	if !at.Before(a.sweepAt) {
		a.sweep(at)
	}
}

func (a *Aggregator) host(id probe.HostID, name string) *open {
	if int(id) >= len(a.hosts) {
		a.hosts = append(a.hosts, make([]*open, int(id)+1-len(a.hosts))...)
	}
	o := a.hosts[id]
	if o == nil || o.name != name {
		if o != nil && !o.minute.IsZero() {
			a.close(o)
		}
		o = &open{name: name}
		a.hosts[id] = o
	}
	return o
}

// sweep closes every minute that ended more than Grace before now and hands
// the closed minutes to the writer.
func (a *Aggregator) sweep(now time.Time) {
	current := now.Add(-Grace).Truncate(time.Minute)
	for _, o := range a.hosts {
		if o != nil && !o.minute.IsZero() && o.minute.Before(current) {
			a.close(o)
		}
	}
	a.sweepMinute = current
	a.sweepAt = current.Add(time.Minute + Grace)
	a.send()
}

// Flush closes every open minute and hands them over; the Runner's goroutine
// calls it once Run has returned, so a clean stop keeps its last minute.
func (a *Aggregator) Flush() {
	for _, o := range a.hosts {
		if o != nil && !o.minute.IsZero() {
			a.close(o)
		}
	}
	a.send()
}

// close turns o's minute into a Minute on the pending batch.
func (a *Aggregator) close(o *open) {
	a.pending = append(a.pending, Minute{Host: o.name, Slot: o.slot(o.rtts)})
	o.minute, o.sent, o.watched, o.rtts = time.Time{}, 0, 0, o.rtts[:0]
}

// slot is o's minute so far as a Slot, its RTT quantiles from rtts (o's
// codes, which it sorts).
func (o *open) slot(rtts []uint16) Slot {
	s := Slot{At: o.minute, Span: time.Minute, Sent: o.sent, Lost: o.sent - len(rtts), Watched: min(o.watched, time.Minute)}
	if n := len(rtts); n > 0 {
		slices.Sort(rtts)
		// Codes sort as the RTTs do, so these are the quantiles' codes.
		rtt := func(i int) time.Duration { return rttOf(uint32(rtts[i])) }
		s.Min, s.Max = rtt(0), rtt(n-1)
		s.P50, s.P95 = rtt(rank(n, 0.5)), rtt(rank(n, 0.95))
	}
	return s
}

// KeepHanded makes the aggregator keep the last batch it gave the writer
// until it gives the next, so that Unwritten has it: the writer stores a
// batch up to WriterOptions.Every after it came. The UI, whose charts ask,
// turns it on; headless, a minute of every host is not kept twice.
func (a *Aggregator) KeepHanded() { a.keepHanded = true }

// Unwritten is what host name has had since the store last heard of it,
// in time order, each minute once: the last batch handed to the writer
// (with KeepHanded; the store may have it already), the minutes closed
// since, and the open minute as far as it goes, which is partly watched.
// Like Record, it belongs to the monitor's goroutine.
func (a *Aggregator) Unwritten(name string) (handed, since []Slot) {
	for _, m := range a.handed {
		if m.Host == name {
			handed = append(handed, m.Slot)
		}
	}
	for _, m := range a.pending {
		if m.Host == name {
			since = append(since, m.Slot)
		}
	}
	for _, o := range a.hosts {
		if o != nil && o.name == name && !o.minute.IsZero() {
			since = append(since, o.slot(slices.Clone(o.rtts)))
		}
	}
	return handed, since
}

// send hands the pending batch over without waiting.
func (a *Aggregator) send() {
	if len(a.pending) == 0 {
		return
	}
	select {
	case a.out <- a.pending:
		if a.keepHanded {
			a.handed = a.pending
		}
		a.pending = nil
	default:
		a.dropped.Add(int64(len(a.pending)))
		a.pending = a.pending[:0]
	}
}
