package store

import (
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"downtime/history"
)

var _ history.Store = (*Store)(nil)

// blockKey is one host's block: an hour of minutes or a day of hours.
type blockKey struct {
	host  int64
	start int64 // hour or day number
}

// WriteMinutes stores closed minutes in one transaction. A minute stored
// before (a late result, a restart inside a minute) is merged with the new
// one, not replaced.
func (s *Store) WriteMinutes(ms []history.Minute) error {
	if len(ms) == 0 {
		return nil
	}
	tx, err := s.db.Begin()
	if err != nil {
		return fmt.Errorf("write history: %w", err)
	}
	defer tx.Rollback()
	groups := map[blockKey][]history.Slot{}
	var order []blockKey
	for _, m := range ms {
		id, err := s.historyHostID(tx, m.Host)
		if err != nil {
			return fmt.Errorf("write history of %q: %w", m.Host, err)
		}
		k := blockKey{id, m.At.Unix() / 3600}
		if _, seen := groups[k]; !seen {
			order = append(order, k)
		}
		groups[k] = append(groups[k], m.Slot)
	}
	// The hour being filled is appendable (history.EncodeAppendable): a
	// minute costs one statement and no read.
	appendStmt, err := tx.Prepare(`INSERT INTO history_open (hour, host, data) VALUES (?, ?, ?)
ON CONFLICT (hour, host) DO UPDATE SET data = CAST(data || excluded.data AS BLOB)`)
	if err != nil {
		return fmt.Errorf("write history: %w", err)
	}
	defer appendStmt.Close()
	for _, k := range order {
		start := time.Unix(k.start*3600, 0).UTC()
		if _, err := appendStmt.Exec(k.start, k.host, history.EncodeAppendable(start, time.Minute, groups[k])); err != nil {
			return fmt.Errorf("write history: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("write history: %w", err)
	}
	return nil
}

// historyHostID finds or makes the number of a host's name. Numbers are
// never reused, so they are kept in memory once known.
func (s *Store) historyHostID(tx *sql.Tx, name string) (int64, error) {
	s.histMu.Lock()
	id, ok := s.histIDs[name]
	s.histMu.Unlock()
	if ok {
		return id, nil
	}
	if _, err := tx.Exec(`INSERT INTO history_hosts (name) VALUES (?) ON CONFLICT (name) DO NOTHING`, name); err != nil {
		return 0, err
	}
	if err := tx.QueryRow(`SELECT id FROM history_hosts WHERE name = ?`, name).Scan(&id); err != nil {
		return 0, err
	}
	s.histMu.Lock()
	if s.histIDs == nil {
		s.histIDs = map[string]int64{}
	}
	s.histIDs[name] = id
	s.histMu.Unlock()
	return id, nil
}

// blockWriter merges slots into the blocks of one table, with its
// statements prepared once per transaction: parsing them again for every
// block was most of the cost of a batch.
type blockWriter struct {
	get, set *sql.Stmt
	c        *history.Codec
	span     time.Duration
}

// newBlockWriter prepares the statements for table, whose block number is
// column col; extra is appended to the update's SET list.
func newBlockWriter(tx *sql.Tx, table, col string, span time.Duration, extra string) (*blockWriter, error) {
	get, err := tx.Prepare(`SELECT data FROM ` + table + ` WHERE ` + col + ` = ? AND host = ?`)
	if err != nil {
		return nil, err
	}
	set, err := tx.Prepare(`INSERT INTO ` + table + ` (` + col + `, host, data) VALUES (?, ?, ?)
ON CONFLICT (` + col + `, host) DO UPDATE SET data = excluded.data` + extra)
	if err != nil {
		get.Close()
		return nil, err
	}
	return &blockWriter{get: get, set: set, c: history.NewCodec(), span: span}, nil
}

func (w *blockWriter) close() {
	w.get.Close()
	w.set.Close()
}

// put merges slots into block k (starting at start) and writes it back.
func (w *blockWriter) put(k blockKey, start time.Time, slots []history.Slot) error {
	var data []byte
	err := w.get.QueryRow(k.start, k.host).Scan(&data)
	var old []history.Slot
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return err
	default:
		if old, err = w.c.Decode(start, w.span, data); err != nil {
			old = nil // a damaged block is replaced rather than blocking every later write
		}
	}
	_, err = w.set.Exec(k.start, k.host, w.c.Encode(start, w.span, mergeSlots(old, slots, w.span)))
	return err
}

// mergeSlots combines two lists of slots by start time; two slots with one
// start merge (history.Merge) when both are minutes, and the new one
// replaces the old one otherwise (an hour recomputed from its minutes).
func mergeSlots(old, add []history.Slot, span time.Duration) []history.Slot {
	byAt := map[int64]history.Slot{}
	for _, s := range old {
		byAt[s.At.Unix()] = s
	}
	for _, s := range add {
		if o, ok := byAt[s.At.Unix()]; ok && span == time.Minute {
			s = history.Merge(s.At, span, []history.Slot{o, s})
		}
		byAt[s.At.Unix()] = s
	}
	out := make([]history.Slot, 0, len(byAt))
	for _, s := range byAt {
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b history.Slot) int { return a.At.Compare(b.At) })
	return out
}

// Maintain packs the minutes of every hour that ended before now, rolls
// every ended day up into its hours, then prunes minutes older than
// keepMinutes (once their day is rolled up) and hours older than keepHours.
// Each step is its own transaction, so the monitor's other writes wait at
// most for one.
func (s *Store) Maintain(now time.Time, keepMinutes, keepHours time.Duration) error {
	settled := now.Add(-rollUpAfter)
	if err := s.packHours(settled); err != nil {
		return fmt.Errorf("pack history: %w", err)
	}
	if err := s.rollDays(settled); err != nil {
		return fmt.Errorf("roll up history: %w", err)
	}
	// Minutes not rolled up yet (a day still open, a roll-up that failed)
	// stay whatever their age.
	if _, err := s.db.Exec(`DELETE FROM history_minutes WHERE hour < ? AND hour < 24 * coalesce((SELECT min(day) FROM history_unrolled), hour / 24 + 1)`,
		now.Add(-keepMinutes).Unix()/3600); err != nil {
		return fmt.Errorf("prune history minutes: %w", err)
	}
	if _, err := s.db.Exec(`DELETE FROM history_hours WHERE day < ?`,
		now.Add(-keepHours).Unix()/86400); err != nil {
		return fmt.Errorf("prune history hours: %w", err)
	}
	return nil
}

// rollUpAfter is how long after its end an hour is packed: its last minute
// closes history.Grace after the hour and may wait a batch for the writer.
// A minute later still is not lost: it opens the hour again.
const rollUpAfter = 10 * time.Minute

// packHours moves the hours that ended before settled from history_open to
// history_minutes, packed, merging a late minute into an hour packed before.
func (s *Store) packHours(settled time.Time) error {
	tx, err := s.db.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	before := settled.Unix() / 3600
	rows, err := tx.Query(`SELECT hour, host, data FROM history_open WHERE hour < ? ORDER BY hour, host`, before)
	if err != nil {
		return err
	}
	type open struct {
		k     blockKey
		slots []history.Slot
	}
	var opens []open
	for rows.Next() {
		var o open
		var data []byte
		if err := rows.Scan(&o.k.start, &o.k.host, &data); err != nil {
			rows.Close()
			return err
		}
		if o.slots, err = history.DecodeAppendable(time.Unix(o.k.start*3600, 0).UTC(), time.Minute, data); err != nil {
			continue // damaged: the hour is unknown
		}
		opens = append(opens, o)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	bw, err := newBlockWriter(tx, "history_minutes", "hour", time.Minute, "")
	if err != nil {
		return err
	}
	defer bw.close()
	unrolled, err := tx.Prepare(`INSERT INTO history_unrolled (day, host) VALUES (?, ?) ON CONFLICT DO NOTHING`)
	if err != nil {
		return err
	}
	defer unrolled.Close()
	for _, o := range opens {
		if err := bw.put(o.k, time.Unix(o.k.start*3600, 0).UTC(), o.slots); err != nil {
			return err
		}
		if _, err := unrolled.Exec(o.k.start/24, o.k.host); err != nil {
			return err
		}
	}
	if _, err := tx.Exec(`DELETE FROM history_open WHERE hour < ?`, before); err != nil {
		return err
	}
	return tx.Commit()
}

// rollDays writes the hours of every day that ended before settled and has
// minutes not rolled up yet: one packed row a host and day, written once
// (or again for a late minute), so the table's pages fill up.
func (s *Store) rollDays(settled time.Time) error {
	tx, err := s.db.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	endHour := settled.Unix() / 86400 * 24 // the first hour of settled's day
	endDay := endHour / 24
	rows, err := tx.Query(`SELECT day, host FROM history_unrolled WHERE day < ? ORDER BY day, host`, endDay)
	if err != nil {
		return err
	}
	var days []blockKey
	for rows.Next() {
		var k blockKey
		if err := rows.Scan(&k.start, &k.host); err != nil {
			rows.Close()
			return err
		}
		days = append(days, k)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	read, err := tx.Prepare(`SELECT hour, data FROM history_minutes WHERE host = ? AND hour >= ? AND hour < ?`)
	if err != nil {
		return err
	}
	defer read.Close()
	bw, err := newBlockWriter(tx, "history_hours", "day", time.Hour, "")
	if err != nil {
		return err
	}
	defer bw.close()
	c := history.NewCodec()
	for _, k := range days {
		hours, err := dayOfHours(read, c, k)
		if err != nil {
			return err
		}
		if err := bw.put(k, time.Unix(k.start*86400, 0).UTC(), hours); err != nil {
			return err
		}
	}
	if _, err := tx.Exec(`DELETE FROM history_unrolled WHERE day < ?`, endDay); err != nil {
		return err
	}
	return tx.Commit()
}

// dayOfHours makes the hour slots of one host's day k from its minutes.
func dayOfHours(read *sql.Stmt, c *history.Codec, k blockKey) ([]history.Slot, error) {
	rows, err := read.Query(k.host, k.start*24, k.start*24+24)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var hours []history.Slot
	for rows.Next() {
		var hour int64
		var data []byte
		if err := rows.Scan(&hour, &data); err != nil {
			return nil, err
		}
		start := time.Unix(hour*3600, 0).UTC()
		minutes, err := c.Decode(start, time.Minute, data)
		if err != nil {
			continue // damaged: the hour is unknown
		}
		hours = append(hours, history.Merge(start, time.Hour, minutes))
	}
	return hours, rows.Err()
}

// HistorySlots returns host's history overlapping [from, to), oldest first:
// minutes where they are still kept, hours before that. Time with no slot
// is unknown: downtime was not running, or the host was paused.
func (s *Store) HistorySlots(host string, from, to time.Time) ([]history.Slot, error) {
	var id int64
	err := s.db.QueryRow(`SELECT id FROM history_hosts WHERE name = ?`, host).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read history of %q: %w", host, err)
	}
	c := history.NewCodec()
	minutes, err := s.blocks(c, "history_minutes", "hour", true, id, from, to, time.Hour, time.Minute)
	if err != nil {
		return nil, fmt.Errorf("read history of %q: %w", host, err)
	}
	open, err := s.blocks(c, "history_open", "hour", false, id, from, to, time.Hour, time.Minute)
	if err != nil {
		return nil, fmt.Errorf("read history of %q: %w", host, err)
	}
	if len(open) > 0 {
		minutes = mergeSlots(minutes, open, time.Minute)
	}
	hours, err := s.blocks(c, "history_hours", "day", true, id, from, to, 24*time.Hour, time.Hour)
	if err != nil {
		return nil, fmt.Errorf("read history of %q: %w", host, err)
	}
	// An hour with minutes is told by its minutes.
	covered := map[int64]bool{}
	for _, m := range minutes {
		covered[m.At.Unix()/3600] = true
	}
	out := minutes
	for _, h := range hours {
		if !covered[h.At.Unix()/3600] {
			out = append(out, h)
		}
	}
	slices.SortFunc(out, func(a, b history.Slot) int { return a.At.Compare(b.At) })
	return out, nil
}

// blocks reads and unpacks host's blocks of table (of size block, slots of
// span, packed or appendable) that overlap [from, to), keeping the slots
// that overlap it.
func (s *Store) blocks(c *history.Codec, table, col string, packed bool, host int64, from, to time.Time, block, span time.Duration) ([]history.Slot, error) {
	sec := int64(block / time.Second)
	rows, err := s.db.Query(`SELECT `+col+`, data FROM `+table+` WHERE host = ? AND `+col+` >= ? AND `+col+` < ? ORDER BY `+col,
		host, floorDiv(from.Unix(), sec), floorDiv(to.Unix(), sec)+1)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []history.Slot
	for rows.Next() {
		var n int64
		var data []byte
		if err := rows.Scan(&n, &data); err != nil {
			return nil, err
		}
		start := time.Unix(n*sec, 0).UTC()
		var slots []history.Slot
		if packed {
			slots, err = c.Decode(start, span, data)
		} else {
			slots, err = history.DecodeAppendable(start, span, data)
		}
		if err != nil {
			continue // damaged: that stretch is unknown
		}
		for _, sl := range slots {
			if sl.End().After(from) && sl.At.Before(to) {
				out = append(out, sl)
			}
		}
	}
	return out, rows.Err()
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// OpenReadOnly opens the state file at path for reading only, as `downtime
// report` does while a monitor runs: it takes no lock (store.Lock is the
// monitor's) and changes nothing, not even the schema. A file from before
// history was kept is refused with what to do.
func OpenReadOnly(path string) (*Store, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("open state file %s: %w (pass --state with the monitor's state file)", path, err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open state file %s: %w", path, err)
	}
	q := url.Values{}
	q.Set("mode", "ro")
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	u := url.URL{Scheme: "file", Path: abs, RawQuery: q.Encode()}
	db, err := sql.Open("sqlite", u.String())
	if err != nil {
		return nil, fmt.Errorf("open state file %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	s := &Store{db: db, path: path, readOnly: true}
	if err := s.checkIdentity(); err != nil {
		db.Close()
		return nil, err
	}
	var version int
	if err := db.QueryRow("PRAGMA user_version").Scan(&version); err != nil {
		db.Close()
		return nil, s.wrap("read user_version", err)
	}
	if version < historyVersion() {
		db.Close()
		return nil, fmt.Errorf("state file %s keeps no history yet (schema version %d): run this downtime's monitor on it once", path, version)
	}
	return s, nil
}

// historyVersion is the schema version that brought the history tables.
func historyVersion() int {
	for i, m := range migrations {
		if strings.HasPrefix(m.name, "history:") {
			return i + 1
		}
	}
	return len(migrations) + 1
}

// HistoryHosts lists every host with history or outages recorded, by name.
func (s *Store) HistoryHosts() ([]string, error) {
	rows, err := s.db.Query(`SELECT name FROM history_hosts UNION SELECT host FROM outages ORDER BY 1`)
	if err != nil {
		return nil, fmt.Errorf("list hosts with history: %w", err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("list hosts with history: %w", err)
		}
		names = append(names, n)
	}
	return names, rows.Err()
}

// ImportHours stores whole hours (Span time.Hour) straight into the hourly
// table, in one transaction: for history made elsewhere, and for the
// bench that fills 400 days without living through them.
func (s *Store) ImportHours(hs []history.Minute) error {
	tx, err := s.db.Begin()
	if err != nil {
		return fmt.Errorf("import history: %w", err)
	}
	defer tx.Rollback()
	groups := map[blockKey][]history.Slot{}
	var order []blockKey
	for _, h := range hs {
		if h.Span != time.Hour || h.At.Truncate(time.Hour) != h.At {
			return fmt.Errorf("import history of %q: %s is not a whole hour", h.Host, h.At)
		}
		id, err := s.historyHostID(tx, h.Host)
		if err != nil {
			return fmt.Errorf("import history of %q: %w", h.Host, err)
		}
		k := blockKey{id, h.At.Unix() / 86400}
		if _, seen := groups[k]; !seen {
			order = append(order, k)
		}
		groups[k] = append(groups[k], h.Slot)
	}
	bw, err := newBlockWriter(tx, "history_hours", "day", time.Hour, "")
	if err != nil {
		return fmt.Errorf("import history: %w", err)
	}
	defer bw.close()
	for _, k := range order {
		if err := bw.put(k, time.Unix(k.start*86400, 0).UTC(), groups[k]); err != nil {
			return fmt.Errorf("import history: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("import history: %w", err)
	}
	return nil
}
