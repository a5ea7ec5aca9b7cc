// Package store keeps what downtime must remember across restarts in one
// SQLite file: host states and pauses, outage history, and hosts added at
// runtime. It uses the pure Go driver modernc.org/sqlite (no cgo).
//
// Times are stored as INTEGER unix nanoseconds (UTC); a zero time.Time is
// stored as NULL, because its UnixNano does not fit in an int64.
package store

import (
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"downtime/monitor"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// ApplicationID marks a SQLite file as downtime's ("down" in ASCII) in the
// header field PRAGMA application_id, so another program's file is recognised.
const ApplicationID = 0x646f776e

// Sentinel errors returned (wrapped) by Open; test them with errors.Is.
var (
	ErrCorrupt = errors.New("state file is corrupt or not a SQLite database")
	ErrForeign = errors.New("state file belongs to another program")
	ErrTooNew  = errors.New("state file was written by a newer downtime")
	// ErrGone and ErrReplaced: the file was deleted, or another put in
	// its place, while it was open; what is saved now is lost (CheckFile).
	ErrGone     = errors.New("state file deleted")
	ErrReplaced = errors.New("state file replaced")
)

// busyTimeout is how long a statement waits for a lock held by another
// process (a second downtime, an sqlite3 shell) before failing with
// SQLITE_BUSY. Inside this process there is one connection, so no waiting.
const busyTimeout = 5 * time.Second

// Store is an open state file. It is safe for concurrent use.
type Store struct {
	db   *sql.DB
	path string      // as the caller gave it, for messages
	file os.FileInfo // the file opened, to notice it deleted or replaced
	// readOnly: opened by OpenReadOnly; Close does not checkpoint.
	readOnly bool
	// histIDs caches history_hosts (history.go).
	histMu  sync.Mutex
	histIDs map[string]int64

	closeOnce sync.Once
	closeErr  error
}

var _ monitor.Store = (*Store)(nil)

// Open opens the state file at path, creating it (mode 0600) and its
// directories (mode 0700) if needed, and brings its schema up to date. It
// refuses, with an error that says what to do, a file that is corrupt
// (ErrCorrupt), another program's (ErrForeign) or from a newer downtime
// (ErrTooNew); it never resets one.
func Open(path string) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create directory for state file %s: %w", path, err)
	}
	// Create the file ourselves: SQLite would create it 0644, and it lists
	// the hosts of the network. SQLite gives the -wal and -shm files the
	// mode of the database file.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open state file %s: %w", path, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open state file %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("open state file %s: %w", path, err)
	}

	dsn, err := dataSource(path)
	if err != nil {
		return nil, fmt.Errorf("open state file %s: %w", path, err)
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open state file %s: %w", path, err)
	}
	// One connection serialises every statement of this process: no
	// SQLITE_BUSY between our own goroutines, and the writes are small.
	db.SetMaxOpenConns(1)

	s := &Store{db: db, path: path, file: fi}
	if err := s.init(); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// dataSource builds the driver's DSN. A file: URI with an escaped path keeps
// a '?' or '#' in the path from being read as the start of the parameters.
// The pragmas here are per connection and leave the file untouched, so they
// are safe to run before we know whose file it is.
func dataSource(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	q.Add("_pragma", "foreign_keys(1)")
	// In WAL mode NORMAL cannot corrupt the file; a power cut may lose the
	// last transactions, which costs at most a repeated alert.
	q.Add("_pragma", "synchronous(NORMAL)")
	// Every transaction here writes: take the write lock at BEGIN so two
	// processes cannot both read a version and then both migrate.
	q.Set("_txlock", "immediate")
	u := url.URL{Scheme: "file", Path: abs, RawQuery: q.Encode()}
	return u.String(), nil
}

// init checks that the file is ours and sound, switches it to WAL and
// migrates it. The checks come before anything that writes, so a foreign
// file is left exactly as it was.
func (s *Store) init() error {
	if err := s.checkIdentity(); err != nil {
		return err
	}
	if err := s.checkIntegrity(); err != nil {
		return err
	}
	var mode string
	if err := s.db.QueryRow("PRAGMA journal_mode = WAL").Scan(&mode); err != nil {
		return s.wrap("enable WAL", err)
	}
	if !strings.EqualFold(mode, "wal") {
		// SQLite answers with the old mode when it cannot switch, e.g. on
		// a file system without shared memory.
		return fmt.Errorf("open state file %s: cannot enable WAL (journal mode stays %q): put it on a local file system", s.path, mode)
	}
	return s.migrate()
}

// checkIdentity tells our file (or a new, empty one) from another program's.
func (s *Store) checkIdentity() error {
	var appID, version, tables int64
	if err := s.db.QueryRow("PRAGMA application_id").Scan(&appID); err != nil {
		return s.wrap("read application_id", err)
	}
	if err := s.db.QueryRow("PRAGMA user_version").Scan(&version); err != nil {
		return s.wrap("read user_version", err)
	}
	err := s.db.QueryRow(`SELECT count(*) FROM sqlite_schema WHERE name NOT LIKE 'sqlite\_%' ESCAPE '\'`).Scan(&tables)
	if err != nil {
		return s.wrap("list tables", err)
	}
	switch {
	case appID == ApplicationID:
		if version > int64(len(migrations)) {
			return s.tooNew(version)
		}
		return nil
	case appID != 0:
		return s.foreign(fmt.Sprintf("application_id %#x", appID))
	case tables > 0:
		return s.foreign("it has tables but no downtime application_id")
	case version != 0:
		// Written by something that versions its schema but has no id.
		return s.foreign(fmt.Sprintf("schema version %d but no downtime application_id", version))
	}
	return nil // empty: a new file
}

// checkIntegrity runs a quick_check: O(file size), but it catches damage at
// start-up instead of at the first write during an outage.
func (s *Store) checkIntegrity() error {
	rows, err := s.db.Query("PRAGMA quick_check(5)")
	if err != nil {
		return s.wrap("check integrity", err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return s.wrap("check integrity", err)
		}
		if line == "ok" {
			continue
		}
		// A row may hold several lines, headed "*** in database main ***";
		// keep the message on one line for logs.
		for _, l := range strings.Split(line, "\n") {
			if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "***") {
				problems = append(problems, l)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return s.wrap("check integrity", err)
	}
	if len(problems) > 3 {
		problems = append(problems[:3], "...")
	}
	if len(problems) > 0 {
		return &openError{
			kind: ErrCorrupt,
			msg: fmt.Sprintf("state file %s is corrupt (integrity check: %s): move it aside or pass --state with another path, or --no-state",
				s.path, strings.Join(problems, "; ")),
		}
	}
	return nil
}

// wrap turns a driver error met while opening into an error for the user:
// the codes that mean "not a usable database" become ErrCorrupt.
func (s *Store) wrap(doing string, err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) {
		// Extended result codes are on; the primary code is the low byte.
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT:
			return &openError{
				kind:  ErrCorrupt,
				msg:   fmt.Sprintf("state file %s is not a downtime state database (corrupt or another program's file): move it aside or pass --state with another path, or --no-state", s.path),
				cause: err,
			}
		}
	}
	return fmt.Errorf("open state file %s: %s: %w", s.path, doing, err)
}

func (s *Store) foreign(why string) error {
	return &openError{
		kind: ErrForeign,
		msg: fmt.Sprintf("state file %s is another program's SQLite database (%s): leave it alone and pass --state with another path, or --no-state",
			s.path, why),
	}
}

func (s *Store) tooNew(version int64) error {
	return &openError{
		kind: ErrTooNew,
		msg: fmt.Sprintf("state file %s was written by a newer downtime (schema version %d, this one knows up to %d): upgrade or use another --state",
			s.path, version, len(migrations)),
	}
}

// openError is Open's refusal of a file: its message is a whole sentence
// with the fix, and it matches both its sentinel and the driver's error.
type openError struct {
	kind  error // ErrCorrupt, ErrForeign or ErrTooNew
	msg   string
	cause error // the driver's error, or nil
}

func (e *openError) Error() string { return e.msg }

func (e *openError) Unwrap() []error {
	if e.cause == nil {
		return []error{e.kind}
	}
	return []error{e.kind, e.cause}
}

// CheckFile reports whether the file at the state file's path is still the
// one opened: ErrGone when it was deleted, ErrReplaced when another file
// took its place (an rm, a restore from a backup, a second downtime that
// moved it aside). Writes then go to a file nobody will open again, and
// the next start has lost the outages and history: say so.
func (s *Store) CheckFile() error {
	fi, err := os.Stat(s.path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("%w: %s was deleted while downtime runs: nothing is saved any more (restart downtime to start a new one; the running outages will alert again)", ErrGone, s.path)
	case err != nil:
		return fmt.Errorf("check state file %s: %w", s.path, err)
	case !os.SameFile(fi, s.file):
		return fmt.Errorf("%w: %s was replaced by another file while downtime runs: nothing is saved to it (restart downtime to use the new one)", ErrReplaced, s.path)
	}
	return nil
}

// CheckWrite makes one small write (the schema version, unchanged), to
// find out at start-up whether anything can be saved: a full disk or a
// read-only file fails it.
func (s *Store) CheckWrite() error {
	var v int64
	if err := s.db.QueryRow("PRAGMA user_version").Scan(&v); err != nil {
		return fmt.Errorf("state file %s: %w", s.path, err)
	}
	if _, err := s.db.Exec(fmt.Sprintf("PRAGMA user_version = %d", v)); err != nil {
		return fmt.Errorf("state file %s cannot be written: %w", s.path, err)
	}
	return nil
}

// Close checkpoints the WAL into the main file and closes the database.
// Calling it again returns the first result.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		// TRUNCATE leaves a zero-length -wal: the state is one file that
		// can be copied on its own.
		var ckErr error
		if !s.readOnly {
			_, ckErr = s.db.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
		}
		if ckErr != nil {
			ckErr = fmt.Errorf("checkpoint state file %s: %w", s.path, ckErr)
		}
		s.closeErr = errors.Join(ckErr, s.db.Close())
	})
	return s.closeErr
}

// nanos encodes t for an INTEGER column; the zero time becomes NULL.
func nanos(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixNano(), Valid: true}
}

// fromNanos decodes what nanos encoded, in UTC.
func fromNanos(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.Unix(0, n.Int64).UTC()
}
