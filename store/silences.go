package store

import (
	"fmt"
	"time"

	"downtime/alert"
)

var _ alert.SilenceStore = (*Store)(nil)

// Silences returns the saved acks and mutes.
func (s *Store) Silences() (alert.Silences, error) {
	var out alert.Silences
	rows, err := s.db.Query(`SELECT host, until, muted_by, at FROM mutes ORDER BY host`)
	if err != nil {
		return out, fmt.Errorf("read mutes: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var m alert.Mute
		var until, at int64
		if err := rows.Scan(&m.Host, &until, &m.By, &at); err != nil {
			return out, fmt.Errorf("read mutes: %w", err)
		}
		m.Until, m.At = time.Unix(0, until).UTC(), time.Unix(0, at).UTC()
		out.Mutes = append(out.Mutes, m)
	}
	if err := rows.Err(); err != nil {
		return out, fmt.Errorf("read mutes: %w", err)
	}
	rows.Close()
	rows, err = s.db.Query(`SELECT host, down_since, acked_by, at FROM acks ORDER BY host`)
	if err != nil {
		return out, fmt.Errorf("read acks: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var a alert.Ack
		var since, at int64
		if err := rows.Scan(&a.Host, &since, &a.By, &at); err != nil {
			return out, fmt.Errorf("read acks: %w", err)
		}
		a.DownSince, a.At = time.Unix(0, since).UTC(), time.Unix(0, at).UTC()
		out.Acks = append(out.Acks, a)
	}
	if err := rows.Err(); err != nil {
		return out, fmt.Errorf("read acks: %w", err)
	}
	return out, nil
}

// SaveSilences replaces the saved acks and mutes with x, in one
// transaction.
func (s *Store) SaveSilences(x alert.Silences) error {
	tx, err := s.db.Begin()
	if err != nil {
		return fmt.Errorf("save acks and mutes: %w", err)
	}
	defer tx.Rollback()
	for _, q := range []string{`DELETE FROM mutes`, `DELETE FROM acks`} {
		if _, err := tx.Exec(q); err != nil {
			return fmt.Errorf("save acks and mutes: %w", err)
		}
	}
	for _, m := range x.Mutes {
		if _, err := tx.Exec(`INSERT INTO mutes (host, until, muted_by, at) VALUES (?, ?, ?, ?)`,
			m.Host, m.Until.UnixNano(), m.By, m.At.UnixNano()); err != nil {
			return fmt.Errorf("save mute of %q: %w", m.Host, err)
		}
	}
	for _, a := range x.Acks {
		if _, err := tx.Exec(`INSERT INTO acks (host, down_since, acked_by, at) VALUES (?, ?, ?, ?)`,
			a.Host, a.DownSince.UnixNano(), a.By, a.At.UnixNano()); err != nil {
			return fmt.Errorf("save ack of %q: %w", a.Host, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("save acks and mutes: %w", err)
	}
	return nil
}
