package main

import (
	"context"
	"slices"
	"sync"
	"time"

	"downtime/history"
	"downtime/monitor"
	"downtime/store"
	"downtime/ui"
)

// historyBatches is how many minutes' batches may wait for the writer
// before the aggregator drops one: the monitor never waits on the disk.
const historyBatches = 16

// setupHistory starts the history writer on the state file and sets
// a.recordHistory, what the Runner calls for every result; without a state
// file it does nothing. a.stopHistory closes the last minutes and waits
// for them to be written; it runs once, after Run has returned or instead
// of it.
func (a *app) setupHistory() error {
	if a.store == nil {
		return nil
	}
	ch := make(chan []history.Minute, historyBatches)
	agg := history.NewAggregator(ch)
	w := history.NewWriter(a.store, history.WriterOptions{
		KeepMinutes: a.cfg.History.KeepMinutes,
		KeepHours:   a.cfg.History.KeepHours,
		OnErr:       func(err error) { a.log.Error("history not saved", "err", err) },
	})
	done := make(chan struct{})
	go func() {
		defer close(done)
		w.Run(ch)
	}()
	var once sync.Once
	a.stopHistory = func() {
		once.Do(func() {
			agg.Flush() // Run has returned: the aggregator is ours now
			close(ch)
			<-done
			if n := agg.Dropped(); n > 0 {
				a.log.Warn("history minutes dropped: the state file was too slow", "minutes", n)
			}
		})
	}
	a.recordHistory, a.history = agg.Record, agg
	return nil
}

// unwrittenWait bounds how long a chart waits for the monitor's goroutine
// to read the minutes not yet written; past it, the chart has the store's.
const unwrittenWait = time.Second

// liveHistory is the store's history with what has not reached it yet:
// the open minute and those the writer still holds. Without it a chart,
// and the uptime beside it, would end up to ~75 s back (a minute closes
// Grace after its end, and the writer stores every 5 s), and a host that
// went down half a minute ago would not show red in its own detail view.
type liveHistory struct {
	*store.Store
	agg    *history.Aggregator
	runner *monitor.Runner
}

// liveHistory is the UI's history; nil without a state file. It makes the
// aggregator keep the last batch it handed to the writer, and must come
// before Run.
func (a *app) liveHistory() ui.History {
	if a.store == nil || a.history == nil {
		return nil
	}
	a.history.KeepHanded()
	return liveHistory{Store: a.store, agg: a.history, runner: a.runner}
}

// HistorySlots is the store's slots of host from from to to, with the
// minutes not written yet added (see withUnwritten).
func (h liveHistory) HistorySlots(host string, from, to time.Time) ([]history.Slot, error) {
	slots, err := h.Store.HistorySlots(host, from, to)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), unwrittenWait)
	defer cancel()
	var handed, since []history.Slot
	if err := h.runner.Within(ctx, func() { handed, since = h.agg.Unwritten(host) }); err != nil {
		// Stopped (its last minutes are then written) or too busy to
		// answer in time: the store's slots are what there is.
		return slots, nil
	}
	return withUnwritten(slots, handed, since, from, to), nil
}

// withUnwritten adds to the store's slots what the aggregator has not
// written: a handed minute the store already has is skipped (the writer
// got to it), a later minute the store also has (a run stopped and
// started again within it) is merged with it, the rest added; all within
// [from, to), in time order.
func withUnwritten(slots, handed, since []history.Slot, from, to time.Time) []history.Slot {
	stored := make(map[int64]int, len(slots))
	for i, s := range slots {
		if s.Span == time.Minute {
			stored[s.At.Unix()] = i
		}
	}
	for _, s := range handed {
		if _, ok := stored[s.At.Unix()]; !ok && s.End().After(from) && s.At.Before(to) {
			stored[s.At.Unix()] = len(slots)
			slots = append(slots, s)
		}
	}
	for _, s := range since {
		if !s.End().After(from) || !s.At.Before(to) {
			continue
		}
		if i, ok := stored[s.At.Unix()]; ok {
			slots[i] = history.Merge(s.At, time.Minute, []history.Slot{slots[i], s})
			continue
		}
		stored[s.At.Unix()] = len(slots)
		slots = append(slots, s)
	}
	slices.SortFunc(slots, func(a, b history.Slot) int { return a.At.Compare(b.At) })
	return slots
}
