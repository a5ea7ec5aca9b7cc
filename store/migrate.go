package store

import "fmt"

// migration is one step of the schema: migrations[i] takes a file from
// user_version i to i+1.
type migration struct {
	name string
	sql  string // one or more statements
}

// migrations is the schema's history, oldest first. Never edit an entry that
// has shipped; change the schema by appending one.
var migrations = []migration{
	{
		name: "hosts, outages, runtime hosts",
		sql: `
CREATE TABLE hosts (
	name       TEXT PRIMARY KEY,
	state      TEXT NOT NULL,              -- monitor.State.String()
	since      INTEGER,                    -- unix ns; NULL = zero time
	down_since INTEGER,
	paused     INTEGER NOT NULL DEFAULT 0, -- 0 or 1
	paused_at  INTEGER
) STRICT;

-- No foreign key to hosts: history outlives a host's state row (Forget).
CREATE TABLE outages (
	id      INTEGER PRIMARY KEY,
	host    TEXT NOT NULL,
	started INTEGER NOT NULL,              -- unix ns
	ended   INTEGER,                       -- unix ns; NULL while it lasts
	UNIQUE (host, started)                 -- also the index for per-host reads
) STRICT;

CREATE TABLE runtime_hosts (
	seq         INTEGER PRIMARY KEY AUTOINCREMENT, -- order added; never reused
	name        TEXT NOT NULL UNIQUE,
	address     TEXT NOT NULL,
	parent      TEXT NOT NULL DEFAULT '',
	interval_ns INTEGER NOT NULL,
	timeout_ns  INTEGER NOT NULL,
	down_after  INTEGER NOT NULL,
	up_after    INTEGER NOT NULL,
	reminders   TEXT,                      -- comma-separated Go durations; NULL = nil, '' = empty
	added_at    INTEGER NOT NULL           -- unix ns
) STRICT;
`,
	},
	{
		name: "alert outbox, alert state of open outages",
		sql: `
-- Every alert message, written before its first try (see alert.Store).
CREATE TABLE outbox (
	id       INTEGER PRIMARY KEY AUTOINCREMENT, -- the order messages were made; never reused
	made     INTEGER NOT NULL,                  -- unix ns
	kind     TEXT NOT NULL,                     -- down, reminder, up (comma-joined), test
	hosts    TEXT NOT NULL,                     -- the hosts it names, newline-separated
	text     TEXT NOT NULL,                     -- Telegram HTML
	status   TEXT NOT NULL DEFAULT 'pending'
	         CHECK (status IN ('pending', 'sent', 'failed')),
	attempts INTEGER NOT NULL DEFAULT 0,        -- failed tries
	error    TEXT NOT NULL DEFAULT '',          -- the last failure; never the token
	done     INTEGER                            -- unix ns: sent or given up; NULL while pending
) STRICT;
CREATE INDEX outbox_pending ON outbox (id) WHERE status = 'pending';

-- What the alert dispatcher knows of each open outage, so that a restart
-- sends no second DOWN and keeps the reminders on schedule.
CREATE TABLE alert_hosts (
	host       TEXT PRIMARY KEY,
	down_since INTEGER NOT NULL,          -- unix ns: the outage's start
	told       INTEGER NOT NULL,          -- 0 or 1: the user was told it is down
	reminded   INTEGER NOT NULL,          -- reminder steps done
	paused     INTEGER NOT NULL DEFAULT 0 -- 0 or 1
) STRICT;
`,
	},
	{
		name: "acks and mutes",
		sql: `
-- Mutes in force (see alert.Mute); host '*' mutes every host.
CREATE TABLE mutes (
	host  TEXT PRIMARY KEY,
	until INTEGER NOT NULL,               -- unix ns
	muted_by TEXT NOT NULL,
	at    INTEGER NOT NULL                -- unix ns
) STRICT;

-- Acknowledged outages (see alert.Ack), by the outage's start.
CREATE TABLE acks (
	host       TEXT PRIMARY KEY,
	down_since INTEGER NOT NULL,          -- unix ns
	acked_by   TEXT NOT NULL,
	at         INTEGER NOT NULL           -- unix ns
) STRICT;
`,
	},
	{
		name: "history: minutes and hours of latency and loss",
		sql: `
-- Hosts by number: a name per block would cost more than the block.
CREATE TABLE history_hosts (
	id   INTEGER PRIMARY KEY,
	name TEXT NOT NULL UNIQUE
) STRICT;

-- The hours being filled: one host's minutes of one hour, appendable
-- (history.EncodeAppendable), so a minute is stored without reading the
-- row back. Maintain moves each ended hour to history_minutes, packed.
CREATE TABLE history_open (
	hour INTEGER NOT NULL,            -- unix seconds / 3600
	host INTEGER NOT NULL,            -- history_hosts.id
	data BLOB NOT NULL,
	PRIMARY KEY (hour, host)
) STRICT, WITHOUT ROWID;
-- For one host's reads (the detail view): appending a minute leaves it alone.
CREATE INDEX history_open_host ON history_open (host, hour);

-- One host's minutes of one ended hour, packed (history.Codec). Keyed by
-- time first and written once, in order, so pages fill up and pruning frees
-- whole pages at the table's start.
CREATE TABLE history_minutes (
	hour INTEGER NOT NULL,
	host INTEGER NOT NULL,
	data BLOB NOT NULL,
	PRIMARY KEY (hour, host)
) STRICT, WITHOUT ROWID;
CREATE INDEX history_minutes_host ON history_minutes (host, hour);

-- The hosts and days with minutes not yet in history_hours. Apart, so that
-- rolling a day up does not rewrite every page of its minutes.
CREATE TABLE history_unrolled (
	day  INTEGER NOT NULL,            -- unix seconds / 86400
	host INTEGER NOT NULL,
	PRIMARY KEY (day, host)
) STRICT, WITHOUT ROWID;

-- One host's hours of one ended day, packed the same way, written once.
CREATE TABLE history_hours (
	day  INTEGER NOT NULL,            -- unix seconds / 86400
	host INTEGER NOT NULL,
	data BLOB NOT NULL,
	PRIMARY KEY (day, host)
) STRICT, WITHOUT ROWID;
CREATE INDEX history_hours_host ON history_hours (host, day);
`,
	},
	{
		name: "good paths",
		sql: `
-- How far the path to each ICMP host went when it was last traced up
-- (paths.go), so that a DOWN soon after a restart still says where the path
-- used to end. Keyed by name like outages, and kept when a host leaves the
-- config: a row is used only while the host's address is the one traced.
CREATE TABLE good_paths (
	host    TEXT PRIMARY KEY,
	address TEXT NOT NULL,                    -- the IP traced
	hop     INTEGER NOT NULL CHECK (hop > 0), -- the hop the host answered at
	traced  INTEGER NOT NULL                  -- unix ns: the trace that found this hop
) STRICT;
`,
	},
}

// migrate applies the migrations the file has not seen, all in one
// transaction, and stamps it as downtime's. Run twice, the second run finds
// nothing to do.
func (s *Store) migrate() error {
	tx, err := s.db.Begin() // BEGIN IMMEDIATE (see dataSource)
	if err != nil {
		return s.wrap("begin migration", err)
	}
	defer tx.Rollback() // no-op after Commit

	// Read the version again under the write lock: another process may
	// have migrated since checkIdentity.
	var version int
	if err := tx.QueryRow("PRAGMA user_version").Scan(&version); err != nil {
		return s.wrap("read user_version", err)
	}
	if version > len(migrations) {
		return s.tooNew(int64(version))
	}
	if version == len(migrations) {
		return nil
	}
	for i := version; i < len(migrations); i++ {
		if _, err := tx.Exec(migrations[i].sql); err != nil {
			return fmt.Errorf("migrate state file %s to version %d (%s): %w", s.path, i+1, migrations[i].name, err)
		}
	}
	// PRAGMAs take no bound parameters; both values are ours, not input.
	if _, err := tx.Exec(fmt.Sprintf("PRAGMA user_version = %d", len(migrations))); err != nil {
		return fmt.Errorf("migrate state file %s: set user_version: %w", s.path, err)
	}
	if _, err := tx.Exec(fmt.Sprintf("PRAGMA application_id = %d", ApplicationID)); err != nil {
		return fmt.Errorf("migrate state file %s: set application_id: %w", s.path, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrate state file %s: commit: %w", s.path, err)
	}
	return nil
}
