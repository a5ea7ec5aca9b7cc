package main

import (
	"context"
	"sync"
	"time"

	"downtime/alert"
)

// stateCheckEvery is how often the state file is looked at, to notice it
// deleted or replaced while running.
const stateCheckEvery = 2 * time.Second

// stateHealth is whether the state file keeps what happens: false once a
// write failed or the file went away. The UI header and the start line
// then say "state not saved", because the next start would send a second
// DOWN for a running outage and lose the history.
type stateHealth struct {
	mu     sync.Mutex
	reason string // why not saved; "" while all is well
}

// fail records why the state is not saved; it reports whether this is the
// first failure, so that the caller says it loudly once.
func (h *stateHealth) fail(reason string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	first := h.reason == ""
	if first {
		h.reason = reason
	}
	return first
}

// problem is why the state is not saved, or "".
func (h *stateHealth) problem() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.reason
}

// setupStateWatch checks at once that the state file takes a write (a full
// disk does not), then looks at it every stateCheckEvery and says, once
// and loudly, when it was deleted or replaced.
func (a *app) setupStateWatch() error {
	if a.store == nil {
		return nil
	}
	if err := a.store.CheckWrite(); err != nil {
		a.state.fail(err.Error())
		a.log.Error("state not saved", "err", err, "fix", "free space or fix the permissions of the state file, then restart downtime")
	}
	a.addService(func(ctx context.Context) error {
		t := time.NewTicker(stateCheckEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return nil
			case <-t.C:
			}
			if err := a.store.CheckFile(); err != nil {
				if a.state.fail(err.Error()) {
					a.log.Error("state not saved", "err", err)
				}
				return nil // once is enough: the file will not come back
			}
		}
	})
	return nil
}

// alertStore is the state file as the alert path writes it: a failed
// write marks the state not saved, as the monitor's do.
type alertStore struct {
	alert.Store
	state *stateHealth
}

var (
	_ alert.Store        = alertStore{}
	_ alert.SilenceStore = alertStore{}
)

func (s alertStore) note(err error) error {
	if err != nil {
		s.state.fail(err.Error())
	}
	return err
}

func (s alertStore) AddOutbox(msgs []alert.Message, save []alert.HostAlert, drop []string) ([]int64, error) {
	ids, err := s.Store.AddOutbox(msgs, save, drop)
	return ids, s.note(err)
}

func (s alertStore) MarkSent(id int64, at time.Time) error {
	return s.note(s.Store.MarkSent(id, at))
}

func (s alertStore) MarkFailed(id int64, at time.Time, reason string) error {
	return s.note(s.Store.MarkFailed(id, at, reason))
}

func (s alertStore) RecordAttempt(id int64, at time.Time, reason string) error {
	return s.note(s.Store.RecordAttempt(id, at, reason))
}

// Silences and SaveSilences pass the acks and mutes through to the state
// file, so that they survive a restart. A failed save is not noted here:
// the dispatcher logs it, and the state file's own check says more.
func (s alertStore) Silences() (alert.Silences, error) {
	ss, ok := s.Store.(alert.SilenceStore)
	if !ok {
		return alert.Silences{}, nil
	}
	return ss.Silences()
}

func (s alertStore) SaveSilences(x alert.Silences) error {
	ss, ok := s.Store.(alert.SilenceStore)
	if !ok {
		return nil
	}
	return ss.SaveSilences(x)
}
