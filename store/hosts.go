package store

import (
	"database/sql"
	"fmt"

	"downtime/monitor"
)

// SaveHost records a host's state, replacing what was saved before.
func (s *Store) SaveHost(name string, h monitor.Saved) error {
	_, err := s.db.Exec(`
INSERT INTO hosts (name, state, since, down_since, paused, paused_at)
VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (name) DO UPDATE SET
	state = excluded.state, since = excluded.since, down_since = excluded.down_since,
	paused = excluded.paused, paused_at = excluded.paused_at`,
		name, h.State.String(), nanos(h.Since), nanos(h.DownSince), h.Paused, nanos(h.PausedAt))
	if err != nil {
		return fmt.Errorf("save host %q: %w", name, err)
	}
	return nil
}

// Hosts returns every saved host state by name.
func (s *Store) Hosts() (map[string]monitor.Saved, error) {
	rows, err := s.db.Query(`SELECT name, state, since, down_since, paused, paused_at FROM hosts`)
	if err != nil {
		return nil, fmt.Errorf("read saved hosts: %w", err)
	}
	defer rows.Close()
	hosts := make(map[string]monitor.Saved)
	for rows.Next() {
		var (
			name, state                string
			since, downSince, pausedAt sql.NullInt64
			h                          monitor.Saved
			ok                         bool
		)
		if err := rows.Scan(&name, &state, &since, &downSince, &h.Paused, &pausedAt); err != nil {
			return nil, fmt.Errorf("read saved hosts: %w", err)
		}
		if h.State, ok = monitor.ParseState(state); !ok {
			return nil, fmt.Errorf("read saved hosts: host %q: unknown state %q", name, state)
		}
		h.Since, h.DownSince, h.PausedAt = fromNanos(since), fromNanos(downSince), fromNanos(pausedAt)
		hosts[name] = h
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read saved hosts: %w", err)
	}
	return hosts, nil
}

// Forget deletes a host's saved state (for a host gone from the config).
// Its outage history stays.
func (s *Store) Forget(name string) error {
	if _, err := s.db.Exec(`DELETE FROM hosts WHERE name = ?`, name); err != nil {
		return fmt.Errorf("forget host %q: %w", name, err)
	}
	return nil
}
