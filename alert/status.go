package alert

import (
	"fmt"
	"strings"
	"time"
)

// State is the state of the alert channel, for the UI's header.
type State uint8

// The states of the alert channel.
const (
	StateOff     State = iota // no Telegram: alerts go to the log
	StateOK                   // nothing waiting, the last try succeeded
	StateQueued               // messages waiting for their turn (pacing)
	StateFailing              // the last try failed; Reason says why
)

// Status is the alert channel at one moment.
type Status struct {
	State   State
	Queued  int       // messages waiting, the one being retried included
	Failed  int       // messages given up since the start (refused for good)
	Reason  string    // why it is failing; never holds the token
	RetryAt time.Time // when the next try is due, while failing

	// The last alert made, as plain text (its first line), and when: for
	// a UI that shows it, which is where alerts are seen without Telegram.
	Last   string
	LastAt time.Time
}

// String is the header's wording: "off", "ok", "queued 3", "failing: …".
func (s Status) String() string {
	switch s.State {
	case StateOff:
		return "off"
	case StateOK:
		return "ok"
	case StateQueued:
		return fmt.Sprintf("queued %d", s.Queued)
	}
	var b strings.Builder
	b.WriteString("failing")
	if s.Queued > 0 {
		fmt.Fprintf(&b, " (%d queued)", s.Queued)
	}
	if s.Reason != "" {
		b.WriteString(": ")
		b.WriteString(strings.TrimPrefix(s.Reason, "telegram: "))
	}
	return b.String()
}
