// Package alert tells a person away from the desk what the monitor saw: a
// host went DOWN, is still down (reminders on a schedule, then silence), is
// UP again after so long. It groups transitions that come together into one
// message, keeps quiet about hosts whose parent is down, and delivers every
// message at least once and in order through an outbox kept in the store,
// to Telegram or, without Telegram, to the log.
//
// The parts and their files: the planner (planner.go: pure logic with the
// time passed in), with its reminder schedule (reminders.go), its walks up
// the parents (parents.go), the group window it gathers news in and flushes
// (window.go), the lines it renders (lines.go) and its mutes and acks
// (mute.go); the Dispatcher (dispatcher.go: its goroutine, fed by the
// monitor's transitions); the outbox (outbox.go, notes.go: persistence,
// pacing, retries; memstore.go without a state file) and the state it
// reports (status.go); the message texts (message.go, hostlist.go); a
// Notifier (telegram.go, telegram_errors.go; or the log, log.go); and the
// chat's commands and buttons (commands.go, actions.go, answers.go,
// telegram_chat.go).
package alert

import (
	"time"
)

// Message is one message of the outbox.
type Message struct {
	ID       int64     // its place in the outbox (the order it was made); 0 when not stored
	Made     time.Time // when it was made
	Kind     string    // what it tells, for the log: "down", "reminder", "up", joined by "," when it tells several; "test"
	Hosts    []string  // the hosts it names, for the log
	Text     string    // Telegram HTML, at most MaxMessageLen UTF-16 code units
	Attempts int       // tries so far
	// Down lists the hosts it tells are down (or still down): the Ack and
	// Mute 1h buttons under it act on them. Not kept in the store: a
	// message resumed after a restart goes without buttons.
	Down []string
}

// HostAlert is what the dispatcher keeps across restarts of a host's open
// outage, so that a restart sends no second DOWN and keeps the reminders on
// their schedule.
type HostAlert struct {
	Host      string
	DownSince time.Time // the outage's start, as the monitor has it
	Told      bool      // the user was told it is down (its own line, or named under its parent's)
	Reminded  int       // reminder steps done
	Paused    bool      // paused by the user: no reminders until resumed
}

// Store keeps the outbox and the open outages' alert state. The store
// package implements it in the state file; MemStore keeps it in memory
// (--no-state, tests).
type Store interface {
	// AddOutbox appends msgs to the outbox and saves and drops outage
	// records, all in one transaction, and returns the messages' ids.
	AddOutbox(msgs []Message, save []HostAlert, drop []string) ([]int64, error)
	// PendingOutbox returns the messages neither sent nor given up, oldest first.
	PendingOutbox() ([]Message, error)
	// MarkSent records that Telegram accepted message id.
	MarkSent(id int64, at time.Time) error
	// MarkFailed records that message id was refused for good; it is kept, not retried.
	MarkFailed(id int64, at time.Time, reason string) error
	// RecordAttempt counts a failed try of message id that will be retried.
	RecordAttempt(id int64, at time.Time, reason string) error
	// PruneOutbox deletes messages sent or given up before before.
	PruneOutbox(before time.Time) error
	// HostAlerts returns the saved outage records.
	HostAlerts() ([]HostAlert, error)
}

// Clock gives the time and wakes the dispatcher and the outbox; tests
// inject a fake one so that an hour of reminders takes microseconds.
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

// realClock is the wall clock.
type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }
