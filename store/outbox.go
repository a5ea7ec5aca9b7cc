package store

import (
	"database/sql"
	"fmt"
	"strings"
	"time"

	"downtime/alert"
)

// The alert outbox and the alert state of open outages (migration 2); see
// alert.Store for what each method promises.

var _ alert.Store = (*Store)(nil)

// AddOutbox appends msgs to the outbox and saves and drops outage records
// in one transaction, so that a message and the state it changes (a
// host's DOWN made, a reminder step done) are never apart after a crash.
func (s *Store) AddOutbox(msgs []alert.Message, save []alert.HostAlert, drop []string) ([]int64, error) {
	tx, err := s.db.Begin()
	if err != nil {
		return nil, fmt.Errorf("save alerts: %w", err)
	}
	defer tx.Rollback() // no-op after Commit
	ids := make([]int64, len(msgs))
	for i, m := range msgs {
		if m.Made.IsZero() {
			m.Made = time.Now()
		}
		res, err := tx.Exec(`INSERT INTO outbox (made, kind, hosts, text, attempts) VALUES (?, ?, ?, ?, ?)`,
			nanos(m.Made), m.Kind, strings.Join(m.Hosts, "\n"), m.Text, m.Attempts)
		if err != nil {
			return nil, fmt.Errorf("save alert: %w", err)
		}
		if ids[i], err = res.LastInsertId(); err != nil {
			return nil, fmt.Errorf("save alert: %w", err)
		}
	}
	for _, h := range save {
		if h.DownSince.IsZero() {
			return nil, fmt.Errorf("save alert state of %q: zero outage start", h.Host)
		}
		_, err := tx.Exec(`
INSERT INTO alert_hosts (host, down_since, told, reminded, paused) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (host) DO UPDATE SET
	down_since = excluded.down_since, told = excluded.told,
	reminded = excluded.reminded, paused = excluded.paused`,
			h.Host, h.DownSince.UnixNano(), h.Told, h.Reminded, h.Paused)
		if err != nil {
			return nil, fmt.Errorf("save alert state of %q: %w", h.Host, err)
		}
	}
	for _, name := range drop {
		if _, err := tx.Exec(`DELETE FROM alert_hosts WHERE host = ?`, name); err != nil {
			return nil, fmt.Errorf("drop alert state of %q: %w", name, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("save alerts: %w", err)
	}
	return ids, nil
}

// PendingOutbox returns the messages neither sent nor given up, oldest first.
func (s *Store) PendingOutbox() ([]alert.Message, error) {
	rows, err := s.db.Query(`SELECT id, made, kind, hosts, text, attempts FROM outbox WHERE status = 'pending' ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("read alert outbox: %w", err)
	}
	defer rows.Close()
	var out []alert.Message
	for rows.Next() {
		var (
			m     alert.Message
			made  sql.NullInt64
			hosts string
		)
		if err := rows.Scan(&m.ID, &made, &m.Kind, &hosts, &m.Text, &m.Attempts); err != nil {
			return nil, fmt.Errorf("read alert outbox: %w", err)
		}
		m.Made = fromNanos(made)
		if hosts != "" {
			m.Hosts = strings.Split(hosts, "\n")
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read alert outbox: %w", err)
	}
	return out, nil
}

// MarkSent records that Telegram accepted message id.
func (s *Store) MarkSent(id int64, at time.Time) error {
	if _, err := s.db.Exec(`UPDATE outbox SET status = 'sent', done = ? WHERE id = ?`, nanos(at), id); err != nil {
		return fmt.Errorf("mark alert %d sent: %w", id, err)
	}
	return nil
}

// MarkFailed records that message id was refused for good, and why.
func (s *Store) MarkFailed(id int64, at time.Time, reason string) error {
	_, err := s.db.Exec(`UPDATE outbox SET status = 'failed', done = ?, error = ?, attempts = attempts + 1 WHERE id = ?`,
		nanos(at), reason, id)
	if err != nil {
		return fmt.Errorf("mark alert %d failed: %w", id, err)
	}
	return nil
}

// RecordAttempt counts a failed try of message id that will be retried.
func (s *Store) RecordAttempt(id int64, _ time.Time, reason string) error {
	if _, err := s.db.Exec(`UPDATE outbox SET attempts = attempts + 1, error = ? WHERE id = ?`, reason, id); err != nil {
		return fmt.Errorf("record alert %d attempt: %w", id, err)
	}
	return nil
}

// PruneOutbox deletes messages sent or given up before before; pending
// ones stay, however old.
func (s *Store) PruneOutbox(before time.Time) error {
	if _, err := s.db.Exec(`DELETE FROM outbox WHERE status != 'pending' AND done < ?`, nanos(before)); err != nil {
		return fmt.Errorf("prune alert outbox: %w", err)
	}
	return nil
}

// HostAlerts returns the saved alert state of open outages.
func (s *Store) HostAlerts() ([]alert.HostAlert, error) {
	rows, err := s.db.Query(`SELECT host, down_since, told, reminded, paused FROM alert_hosts ORDER BY host`)
	if err != nil {
		return nil, fmt.Errorf("read alert state: %w", err)
	}
	defer rows.Close()
	var out []alert.HostAlert
	for rows.Next() {
		var (
			h     alert.HostAlert
			since int64
		)
		if err := rows.Scan(&h.Host, &since, &h.Told, &h.Reminded, &h.Paused); err != nil {
			return nil, fmt.Errorf("read alert state: %w", err)
		}
		h.DownSince = time.Unix(0, since).UTC()
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read alert state: %w", err)
	}
	return out, nil
}

// OutageEnd returns when host's outage that began at start ended; ok is
// false while it lasts or when it was never recorded.
func (s *Store) OutageEnd(host string, start time.Time) (end time.Time, ok bool, err error) {
	var ended sql.NullInt64
	err = s.db.QueryRow(`SELECT ended FROM outages WHERE host = ? AND started = ?`, host, start.UnixNano()).Scan(&ended)
	switch {
	case err == sql.ErrNoRows:
		return time.Time{}, false, nil
	case err != nil:
		return time.Time{}, false, fmt.Errorf("read outage of %q: %w", host, err)
	}
	return fromNanos(ended), ended.Valid, nil
}
