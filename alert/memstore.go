package alert

import (
	"slices"
	"sort"
	"sync"
	"time"
)

// MemStore is a Store in memory: for --no-state, where nothing survives a
// restart, and for tests, which may hand one to a second Dispatcher to
// play a restart. Safe for concurrent use.
type MemStore struct {
	mu     sync.Mutex
	lastID int64
	msgs   []*memMessage
	hosts  map[string]HostAlert
	fail   error

	silences Silences // mute.go
}

type memMessage struct {
	Message
	status string // pending, sent, failed
	reason string
	done   time.Time
}

var _ Store = (*MemStore)(nil)

// NewMemStore returns an empty MemStore.
func NewMemStore() *MemStore { return &MemStore{hosts: map[string]HostAlert{}} }

// FailWith makes every later call fail with err (nil: succeed again).
func (s *MemStore) FailWith(err error) {
	s.mu.Lock()
	s.fail = err
	s.mu.Unlock()
}

// AddOutbox implements Store.
func (s *MemStore) AddOutbox(msgs []Message, save []HostAlert, drop []string) ([]int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return nil, s.fail
	}
	ids := make([]int64, len(msgs))
	for i, m := range msgs {
		s.lastID++
		m.ID = s.lastID
		m.Hosts = slices.Clone(m.Hosts)
		s.msgs = append(s.msgs, &memMessage{Message: m, status: "pending"})
		ids[i] = m.ID
	}
	for _, h := range save {
		s.hosts[h.Host] = h
	}
	for _, name := range drop {
		delete(s.hosts, name)
	}
	return ids, nil
}

// PendingOutbox implements Store.
func (s *MemStore) PendingOutbox() ([]Message, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return nil, s.fail
	}
	var out []Message
	for _, m := range s.msgs {
		if m.status == "pending" {
			c := m.Message
			c.Hosts = slices.Clone(c.Hosts)
			out = append(out, c)
		}
	}
	return out, nil
}

func (s *MemStore) find(id int64) *memMessage {
	for _, m := range s.msgs {
		if m.ID == id {
			return m
		}
	}
	return nil
}

// update applies f to message id, if it is there; it returns the failure
// set by FailWith instead.
func (s *MemStore) update(id int64, f func(m *memMessage)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return s.fail
	}
	if m := s.find(id); m != nil {
		f(m)
	}
	return nil
}

// MarkSent implements Store.
func (s *MemStore) MarkSent(id int64, at time.Time) error {
	return s.update(id, func(m *memMessage) { m.status, m.done = "sent", at })
}

// MarkFailed implements Store.
func (s *MemStore) MarkFailed(id int64, at time.Time, reason string) error {
	return s.update(id, func(m *memMessage) { m.status, m.done, m.reason = "failed", at, reason })
}

// RecordAttempt implements Store.
func (s *MemStore) RecordAttempt(id int64, at time.Time, reason string) error {
	return s.update(id, func(m *memMessage) { m.Attempts++; m.reason = reason })
}

// PruneOutbox implements Store.
func (s *MemStore) PruneOutbox(before time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return s.fail
	}
	s.msgs = slices.DeleteFunc(s.msgs, func(m *memMessage) bool {
		return m.status != "pending" && m.done.Before(before)
	})
	return nil
}

// HostAlerts implements Store.
func (s *MemStore) HostAlerts() ([]HostAlert, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return nil, s.fail
	}
	out := make([]HostAlert, 0, len(s.hosts))
	for _, h := range s.hosts {
		out = append(out, h)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Host < out[j].Host })
	return out, nil
}

// Failed returns the messages given up on, with their reasons (tests).
func (s *MemStore) Failed() map[int64]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[int64]string{}
	for _, m := range s.msgs {
		if m.status == "failed" {
			out[m.ID] = m.reason
		}
	}
	return out
}
