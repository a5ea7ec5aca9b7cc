package store

import (
	"bytes"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"downtime/config"
	"downtime/monitor"
)

// t0 is a fixed moment the tests build their times from.
var t0 = time.Date(2026, 11, 26, 21, 4, 5, 123456789, time.UTC)

// openTemp opens a new store in a temporary directory and closes it when the
// test ends.
func openTemp(t *testing.T) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "state.db")
	s, err := Open(path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

// plainDB opens path with database/sql alone, as another program would.
func plainDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func mustExec(t *testing.T, db *sql.DB, query string) {
	t.Helper()
	if _, err := db.Exec(query); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

func TestOpenCreatesPrivateFileAndDirs(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "xdg", "downtime")
	path := filepath.Join(dir, "state.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// A write makes SQLite create the -wal file, which must be as private.
	if err := s.SaveHost("h", monitor.Saved{State: monitor.Up, Since: t0}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path string
		mode os.FileMode
	}{
		{dir, 0o700 | os.ModeDir},
		{path, 0o600},
		{path + "-wal", 0o600},
	} {
		fi, err := os.Stat(c.path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode() != c.mode {
			t.Errorf("%s: mode %v, want %v", c.path, fi.Mode(), c.mode)
		}
	}
}

func TestOpenPragmas(t *testing.T) {
	s, _ := openTemp(t)
	for _, c := range []struct {
		pragma string
		want   string
	}{
		{"journal_mode", "wal"},
		{"synchronous", "1"}, // NORMAL
		{"foreign_keys", "1"},
		{"busy_timeout", fmt.Sprint(busyTimeout.Milliseconds())},
		{"application_id", fmt.Sprint(ApplicationID)},
		{"user_version", fmt.Sprint(len(migrations))},
	} {
		var got string
		if err := s.db.QueryRow("PRAGMA " + c.pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != c.want {
			t.Errorf("PRAGMA %s = %s, want %s", c.pragma, got, c.want)
		}
	}
}

func TestOpenPathWithURICharacters(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a b?c#d%20", "state.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SaveHost("h", monitor.Saved{State: monitor.Up}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// The data went to exactly that path, not to one the URI cut short.
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() == 0 {
		t.Errorf("%s is empty", path)
	}
}

func TestReopenKeepsData(t *testing.T) {
	s, path := openTemp(t)
	saved := monitor.Saved{State: monitor.Down, Since: t0, DownSince: t0, Paused: true, PausedAt: t0.Add(time.Minute)}
	host := config.Host{Name: "db1", Address: "198.18.0.7", Interval: time.Second, Timeout: time.Second,
		DownAfter: 3, UpAfter: 1, Reminders: []time.Duration{10 * time.Minute}, Origin: config.OriginRuntime}
	for _, err := range []error{
		s.SaveHost("db1", saved),
		s.OutageStarted("db1", t0),
		s.AddRuntimeHost(host),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// Close checkpoints: the -wal is empty (or gone), the main file holds it all.
	if fi, err := os.Stat(path + "-wal"); err == nil && fi.Size() != 0 {
		t.Errorf("after Close the -wal holds %d bytes", fi.Size())
	}

	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	hosts, err := s.Hosts()
	if err != nil {
		t.Fatal(err)
	}
	if hosts["db1"] != saved {
		t.Errorf("host after reopen = %+v, want %+v", hosts["db1"], saved)
	}
	outages, err := s.Outages("db1", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if want := []Outage{{Host: "db1", Start: t0}}; !equalOutages(outages, want) {
		t.Errorf("outages after reopen = %v, want %v", outages, want)
	}
	rt, err := s.RuntimeHosts()
	if err != nil {
		t.Fatal(err)
	}
	if len(rt) != 1 || !equalHosts(rt[0], host) {
		t.Errorf("runtime hosts after reopen = %+v, want [%+v]", rt, host)
	}
}

func TestCloseTwice(t *testing.T) {
	s, _ := openTemp(t)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := s.SaveHost("h", monitor.Saved{}); err == nil {
		t.Error("SaveHost after Close succeeded")
	}
}

// The user must be told which file and what to do about it.
func checkRefusal(t *testing.T, err, sentinel error, path string, fix ...string) {
	t.Helper()
	if !errors.Is(err, sentinel) {
		t.Fatalf("Open: %v, want %v", err, sentinel)
	}
	for _, want := range append([]string{path}, fix...) {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestOpenRefusesGarbage(t *testing.T) {
	for _, c := range []struct {
		name    string
		content []byte
	}{
		{"short", []byte("not a database\n")},
		{"a page of text", bytes.Repeat([]byte("hosts.toml? no, just text\n"), 400)},
		{"zeros", make([]byte, 8192)},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state.db")
			if err := os.WriteFile(path, c.content, 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Open(path)
			checkRefusal(t, err, ErrCorrupt, path, "not a downtime state database", "move it aside", "--state", "--no-state")
			if got, _ := os.ReadFile(path); !bytes.Equal(got, c.content) {
				t.Error("Open changed the file")
			}
		})
	}
}

func TestOpenRefusesDamagedPages(t *testing.T) {
	s, path := openTemp(t)
	// Enough rows for the outages table to span several pages.
	for i := range 2000 {
		if err := s.OutageStarted(fmt.Sprintf("host-%04d", i), t0.Add(time.Duration(i)*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var pageSize int
	if err := plainDB(t, path).QueryRow("PRAGMA page_size").Scan(&pageSize); err != nil {
		t.Fatal(err)
	}
	if len(data) < 6*pageSize {
		t.Fatalf("file has %d bytes, want several %d-byte pages", len(data), pageSize)
	}
	// Scribble over pages 3 to 5 and leave the header (page 1) intact.
	for i := 2 * pageSize; i < 5*pageSize; i++ {
		data[i] = 0xa5
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Open(path)
	checkRefusal(t, err, ErrCorrupt, path, "move it aside", "--no-state")
	if strings.Contains(err.Error(), "\n") {
		t.Errorf("error spans several lines: %q", err)
	}
}

func TestOpenRefusesForeign(t *testing.T) {
	for _, c := range []struct {
		name  string
		setup []string
	}{
		{"tables without an id", []string{"CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)", "INSERT INTO notes (body) VALUES ('mine')"}},
		{"another application_id", []string{"PRAGMA application_id = 1196444487"}}, // 0x47504b47 "GPKG", GeoPackage
		{"another application_id and tables", []string{"PRAGMA application_id = 42", "CREATE TABLE hosts (name TEXT)"}},
		{"user_version without an id", []string{"PRAGMA user_version = 1"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "other.db")
			db := plainDB(t, path)
			for _, q := range c.setup {
				mustExec(t, db, q)
			}
			db.Close()
			before, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}

			_, err = Open(path)
			checkRefusal(t, err, ErrForeign, path, "another program", "--state", "--no-state")
			// Another program's file is left exactly as it was (not even
			// switched to WAL).
			if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
				t.Error("Open changed another program's file")
			}
		})
	}
}

func TestOpenRefusesTooNew(t *testing.T) {
	s, path := openTemp(t)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	mustExec(t, plainDB(t, path), fmt.Sprintf("PRAGMA user_version = %d", len(migrations)+1))

	_, err := Open(path)
	checkRefusal(t, err, ErrTooNew, path, "newer downtime", "upgrade", "--state")
}

func TestConcurrentUse(t *testing.T) {
	s, _ := openTemp(t)
	const workers, rounds = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers*rounds*7)
	for w := range workers {
		wg.Go(func() {
			name := fmt.Sprintf("host-%d", w)
			for i := range rounds {
				start := t0.Add(time.Duration(i) * time.Minute)
				errs <- s.SaveHost(name, monitor.Saved{State: monitor.Down, Since: start, DownSince: start})
				errs <- s.OutageStarted(name, start)
				errs <- s.OutageEnded(name, start, start.Add(30*time.Second))
				errs <- s.AddRuntimeHost(config.Host{Name: fmt.Sprintf("%s-rt-%d", name, i), Address: "198.18.0.1"})
				_, err := s.Hosts()
				errs <- err
				_, err = s.Outages(name, time.Time{})
				errs <- err
				_, err = s.RuntimeHosts()
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}

	hosts, err := s.Hosts()
	if err != nil {
		t.Fatal(err)
	}
	if len(hosts) != workers {
		t.Errorf("%d hosts saved, want %d", len(hosts), workers)
	}
	rt, err := s.RuntimeHosts()
	if err != nil {
		t.Fatal(err)
	}
	if len(rt) != workers*rounds {
		t.Errorf("%d runtime hosts, want %d", len(rt), workers*rounds)
	}
	for w := range workers {
		name := fmt.Sprintf("host-%d", w)
		out, err := s.Outages(name, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if len(out) != rounds {
			t.Errorf("%s: %d outages, want %d", name, len(out), rounds)
		}
		for _, o := range out {
			if o.End.IsZero() {
				t.Errorf("%s: outage %v left open", name, o.Start)
			}
		}
	}
}
