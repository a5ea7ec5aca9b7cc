package history

import (
	"time"
)

// Store is where the Writer keeps history; *store.Store implements it.
type Store interface {
	// WriteMinutes stores closed minutes in one transaction.
	WriteMinutes(ms []Minute) error
	// Maintain rolls the minutes of hours that ended before now into hour
	// slots, then deletes minutes older than keepMinutes and hours older
	// than keepHours.
	Maintain(now time.Time, keepMinutes, keepHours time.Duration) error
}

// WriterOptions tune a Writer.
type WriterOptions struct {
	Every       time.Duration // least time between two transactions (default 5s)
	KeepMinutes time.Duration // default 48h
	KeepHours   time.Duration // default 400 days
	Now         func() time.Time
	OnErr       func(error) // a failed write is reported here and dropped
}

// Writer stores the Aggregator's minutes from a goroutine of its own, at most
// one transaction every Every, so the monitor never waits on the disk.
type Writer struct {
	st   Store
	opts WriterOptions
}

// NewWriter prepares a Writer for st.
func NewWriter(st Store, opts WriterOptions) *Writer {
	if opts.Every <= 0 {
		opts.Every = 5 * time.Second
	}
	if opts.KeepMinutes <= 0 {
		opts.KeepMinutes = 48 * time.Hour
	}
	if opts.KeepHours <= 0 {
		opts.KeepHours = 400 * 24 * time.Hour
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.OnErr == nil {
		opts.OnErr = func(error) {}
	}
	return &Writer{st: st, opts: opts}
}

// Run stores what comes on in until it is closed, then stores the rest and
// returns. It rolls up and prunes at start and once an hour, between two
// batches: pruning never stops the probes, which do not wait for it.
func (w *Writer) Run(in <-chan []Minute) {
	w.maintain()
	lastHour := w.opts.Now().Truncate(time.Hour)
	var buf []Minute
	var due <-chan time.Time // armed while buf waits
	flush := func() {
		if len(buf) > 0 {
			if err := w.st.WriteMinutes(buf); err != nil {
				w.opts.OnErr(err)
			}
			buf = buf[:0]
		}
		if h := w.opts.Now().Truncate(time.Hour); !h.Equal(lastHour) {
			lastHour = h
			w.maintain()
		}
	}
	last := time.Time{}
	for {
		select {
		case ms, ok := <-in:
			if !ok {
				flush()
				return
			}
			buf = append(buf, ms...)
			if wait := w.opts.Every - time.Since(last); wait > 0 {
				if due == nil {
					due = time.After(wait)
				}
				continue
			}
			flush()
			last = time.Now()
		case <-due:
			due = nil
			flush()
			last = time.Now()
		}
	}
}

func (w *Writer) maintain() {
	if err := w.st.Maintain(w.opts.Now(), w.opts.KeepMinutes, w.opts.KeepHours); err != nil {
		w.opts.OnErr(err)
	}
}
