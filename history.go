package main

import (
	"sync"

	"downtime/history"
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
	a.recordHistory = agg.Record
	return nil
}
