package ui

import (
	"time"

	"downtime/history"
	"downtime/monitor"
	"downtime/probe"
	"downtime/store"
)

// SnapshotMsg carries the monitor's latest snapshot to the UI. The runner
// coalesces snapshots to at most ~10 a second whatever the host count, so
// this is the only message whose rate grows with nothing but time.
type SnapshotMsg monitor.Snapshot

// tickMsg is the clock's second: timers advance, the alert state is fresh.
type tickMsg struct {
	now      time.Time
	alert    AlertState
	silenced Silenced
	events   []Event // nil: no news of transitions
}

// commandDoneMsg is the outcome of a pause or resume.
type commandDoneMsg struct {
	text string // the status line on success
	err  error
}

// reloadedMsg is the outcome of "r": the summary of the hosts the new
// config added, removed and changed, or why it was refused.
type reloadedMsg struct {
	text string
	err  error
}

// addedMsg says a host typed in the add form is being watched.
type addedMsg struct {
	id            probe.HostID
	name, address string
}

// addFailedMsg says why a target typed in the add form was refused.
type addFailedMsg struct{ err error }

// removedMsg says a runtime host is gone.
type removedMsg struct {
	id   probe.HostID
	name string
}

// historyMsg is a host's outage history, uptime over watched time and
// the history chart's data (for rng, over [from, to)) from the store.
type historyMsg struct {
	id           probe.HostID
	name         string
	outages      []store.Outage
	sum24, sum7d history.Summary
	rng          chartRange
	from, to     time.Time
	slots        []history.Slot // overlapping [from, to); none for rangeProbes
	intervals    []history.Interval
	ok           bool
	err          error
}
