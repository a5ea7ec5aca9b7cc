package store

import (
	"path/filepath"
	"testing"

	"downtime/monitor"
)

func schemaVersion(t *testing.T, s *Store) (version, appID int) {
	t.Helper()
	if err := s.db.QueryRow("PRAGMA user_version").Scan(&version); err != nil {
		t.Fatal(err)
	}
	if err := s.db.QueryRow("PRAGMA application_id").Scan(&appID); err != nil {
		t.Fatal(err)
	}
	return version, appID
}

func TestMigrationsAppliedOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	for i := range 3 {
		// A second run of migration 1 would fail on CREATE TABLE.
		s, err := Open(path)
		if err != nil {
			t.Fatalf("open #%d: %v", i+1, err)
		}
		if v, id := schemaVersion(t, s); v != len(migrations) || id != ApplicationID {
			t.Errorf("open #%d: user_version %d, application_id %#x; want %d, %#x", i+1, v, id, len(migrations), ApplicationID)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// A new migration is one appended entry; an existing file gets only it, and
// keeps its data.
func TestMigrationAppended(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SaveHost("h", monitor.Saved{State: monitor.Up, Since: t0}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	old := migrations
	t.Cleanup(func() { migrations = old })
	migrations = append(migrations[:len(old):len(old)], migration{
		name: "test table",
		sql:  "CREATE TABLE test_appended (id INTEGER PRIMARY KEY, body TEXT NOT NULL) STRICT; INSERT INTO test_appended (body) VALUES ('migrated');",
	})

	for i := range 2 {
		s, err := Open(path)
		if err != nil {
			t.Fatalf("open #%d: %v", i+1, err)
		}
		if v, _ := schemaVersion(t, s); v != len(old)+1 {
			t.Errorf("open #%d: user_version %d, want %d", i+1, v, len(old)+1)
		}
		var n int
		if err := s.db.QueryRow("SELECT count(*) FROM test_appended").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Errorf("open #%d: test_appended has %d rows, want 1 (migration ran more than once?)", i+1, n)
		}
		hosts, err := s.Hosts()
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := hosts["h"]; !ok {
			t.Errorf("open #%d: saved host lost in migration", i+1)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// A migration that fails leaves the file at its old version, whole.
func TestMigrationFailureRollsBack(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()

	old := migrations
	t.Cleanup(func() { migrations = old })
	migrations = append(migrations[:len(old):len(old)], migration{
		name: "broken",
		sql:  "CREATE TABLE half (id INTEGER); SELECT * FROM no_such_table;",
	})
	if _, err := Open(path); err == nil {
		t.Fatal("Open with a broken migration succeeded")
	}

	migrations = old
	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, _ := schemaVersion(t, s); v != len(old) {
		t.Errorf("user_version %d after a failed migration, want %d", v, len(old))
	}
	var n int
	if err := s.db.QueryRow("SELECT count(*) FROM sqlite_schema WHERE name = 'half'").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Error("the failed migration's first statement was kept")
	}
}
