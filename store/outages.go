package store

import (
	"database/sql"
	"fmt"
	"math"
	"time"
)

// Outage is one period a host was down; End is zero while it lasts.
type Outage struct {
	Host       string
	Start, End time.Time
}

// OutageStarted records the start of an outage. Recording the same (host,
// start) again does nothing, so a restart may repeat it.
func (s *Store) OutageStarted(name string, start time.Time) error {
	if start.IsZero() {
		return fmt.Errorf("record outage of %q: zero start time", name)
	}
	_, err := s.db.Exec(`
INSERT INTO outages (host, started) VALUES (?, ?)
ON CONFLICT (host, started) DO NOTHING`, name, start.UnixNano())
	if err != nil {
		return fmt.Errorf("record outage of %q: %w", name, err)
	}
	return nil
}

// OutageEnded closes the outage of host that began at start. Without such a
// row (its start was never recorded) it records the whole outage; an
// outage already closed keeps its first end.
func (s *Store) OutageEnded(name string, start, end time.Time) error {
	if start.IsZero() || end.IsZero() {
		return fmt.Errorf("record end of outage of %q: zero start or end time", name)
	}
	_, err := s.db.Exec(`
INSERT INTO outages (host, started, ended) VALUES (?, ?, ?)
ON CONFLICT (host, started) DO UPDATE SET ended = excluded.ended WHERE ended IS NULL`,
		name, start.UnixNano(), end.UnixNano())
	if err != nil {
		return fmt.Errorf("record end of outage of %q: %w", name, err)
	}
	return nil
}

// Outages returns host's outages that lasted until since or later (all of
// them when since is zero), newest first.
func (s *Store) Outages(host string, since time.Time) ([]Outage, error) {
	after := int64(math.MinInt64)
	if !since.IsZero() {
		after = since.UnixNano()
	}
	rows, err := s.db.Query(`
SELECT started, ended FROM outages
WHERE host = ? AND (ended IS NULL OR ended >= ?)
ORDER BY started DESC`, host, after)
	if err != nil {
		return nil, fmt.Errorf("read outages of %q: %w", host, err)
	}
	defer rows.Close()
	var out []Outage
	for rows.Next() {
		var start, end sql.NullInt64
		if err := rows.Scan(&start, &end); err != nil {
			return nil, fmt.Errorf("read outages of %q: %w", host, err)
		}
		out = append(out, Outage{Host: host, Start: fromNanos(start), End: fromNanos(end)})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read outages of %q: %w", host, err)
	}
	return out, nil
}
