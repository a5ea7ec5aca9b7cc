package store

import (
	"database/sql"
	"fmt"
	"strings"
	"time"

	"downtime/config"
)

// AddRuntimeHost records a host added while running. A host of the same
// name is replaced and keeps its place in the order.
func (s *Store) AddRuntimeHost(h config.Host) error {
	_, err := s.db.Exec(`
INSERT INTO runtime_hosts
	(name, address, parent, interval_ns, timeout_ns, down_after, up_after, reminders, added_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (name) DO UPDATE SET
	address = excluded.address, parent = excluded.parent,
	interval_ns = excluded.interval_ns, timeout_ns = excluded.timeout_ns,
	down_after = excluded.down_after, up_after = excluded.up_after,
	reminders = excluded.reminders`,
		h.Name, h.Address, h.Parent, int64(h.Interval), int64(h.Timeout),
		h.DownAfter, h.UpAfter, formatDurations(h.Reminders), time.Now().UnixNano())
	if err != nil {
		return fmt.Errorf("save runtime host %q: %w", h.Name, err)
	}
	return nil
}

// RemoveRuntimeHost deletes a host added at runtime and its saved state, so
// a host added again later under that name starts afresh. Its outage
// history stays. Removing an unknown name is not an error.
func (s *Store) RemoveRuntimeHost(name string) error {
	tx, err := s.db.Begin()
	if err != nil {
		return fmt.Errorf("remove runtime host %q: %w", name, err)
	}
	defer tx.Rollback() // no-op after Commit
	if _, err := tx.Exec(`DELETE FROM runtime_hosts WHERE name = ?`, name); err != nil {
		return fmt.Errorf("remove runtime host %q: %w", name, err)
	}
	if _, err := tx.Exec(`DELETE FROM hosts WHERE name = ?`, name); err != nil {
		return fmt.Errorf("remove runtime host %q: %w", name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("remove runtime host %q: %w", name, err)
	}
	return nil
}

// RuntimeHosts returns the hosts added at runtime in the order they were
// added, with Origin set to config.OriginRuntime. Target is left zero: the
// caller parses Address as it does for any other host.
func (s *Store) RuntimeHosts() ([]config.Host, error) {
	rows, err := s.db.Query(`
SELECT name, address, parent, interval_ns, timeout_ns, down_after, up_after, reminders
FROM runtime_hosts ORDER BY seq`)
	if err != nil {
		return nil, fmt.Errorf("read runtime hosts: %w", err)
	}
	defer rows.Close()
	var hosts []config.Host
	for rows.Next() {
		var (
			h                 config.Host
			interval, timeout int64
			reminders         sql.NullString
		)
		err := rows.Scan(&h.Name, &h.Address, &h.Parent, &interval, &timeout, &h.DownAfter, &h.UpAfter, &reminders)
		if err != nil {
			return nil, fmt.Errorf("read runtime hosts: %w", err)
		}
		h.Interval, h.Timeout = time.Duration(interval), time.Duration(timeout)
		if h.Reminders, err = parseDurations(reminders); err != nil {
			return nil, fmt.Errorf("read runtime hosts: host %q: reminders: %w", h.Name, err)
		}
		h.Origin = config.OriginRuntime
		hosts = append(hosts, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read runtime hosts: %w", err)
	}
	return hosts, nil
}

// formatDurations writes ds as "10m0s,30m0s"; nil becomes NULL and an empty
// slice "", so "no reminders" and "not set" stay apart.
func formatDurations(ds []time.Duration) sql.NullString {
	if ds == nil {
		return sql.NullString{}
	}
	parts := make([]string, len(ds))
	for i, d := range ds {
		parts[i] = d.String()
	}
	return sql.NullString{String: strings.Join(parts, ","), Valid: true}
}

// parseDurations is the inverse of formatDurations.
func parseDurations(s sql.NullString) ([]time.Duration, error) {
	if !s.Valid {
		return nil, nil
	}
	if s.String == "" {
		return []time.Duration{}, nil
	}
	parts := strings.Split(s.String, ",")
	ds := make([]time.Duration, len(parts))
	for i, p := range parts {
		d, err := time.ParseDuration(p)
		if err != nil {
			return nil, err
		}
		ds[i] = d
	}
	return ds, nil
}
