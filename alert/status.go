package alert

import (
	"context"
	"errors"
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

// Health is what is true of the way to Telegram now: what the last
// request (a message, or the check of the bot at start-up and while
// unreachable) found. It says more than State: why it is failing.
type Health uint8

// The kinds of health of the alert channel.
const (
	HealthOff         Health = iota // no Telegram: alerts go to the log
	HealthOK                        // the last request succeeded (or none failed yet)
	HealthUnreachable               // no answer from the Bot API: network, DNS, timeout
	HealthFailing                   // an answer, but an error that is retried (5xx, 429) or about one message
	HealthRefused                   // refused for good: bad token, bot removed, chat not found
	HealthChecking                  // nothing asked of Telegram yet: the start-up check is on its way
)

// Delivery is where one alert is on its way to Telegram.
type Delivery uint8

// The deliveries of an alert.
const (
	DeliveryQueued Delivery = iota // in the outbox, not yet accepted
	DeliverySent                   // accepted by Telegram (or written to the log when Telegram is off)
	DeliveryFailed                 // refused for good: kept as failed, not retried
)

func (d Delivery) String() string {
	switch d {
	case DeliverySent:
		return "sent"
	case DeliveryFailed:
		return "failed"
	}
	return "queued"
}

// recentKept is how many of the last alerts Status lists.
const recentKept = 10

// Recent is one of the last alerts made and where it is now.
type Recent struct {
	Made     time.Time
	Kind     string   // "down", "reminder", "up", joined by ","
	Hosts    []string // the hosts it names
	Text     string   // its first line, plain text; never holds the token
	Delivery Delivery
	At       time.Time // when it was sent or given up; zero while queued
	Reason   string    // why it failed, or why its last try failed while queued
}

// Status is the alert channel at one moment: one call gives the UI all it
// shows, so the header and the help never disagree.
type Status struct {
	State   State
	Queued  int       // messages waiting, the one being retried included
	Failed  int       // messages given up since the start (refused for good)
	Reason  string    // why it is failing; never holds the token
	RetryAt time.Time // when the next try is due, while failing

	// Health is what the last request found, Since when that began (the
	// first failure of a run of failures), Short a few words of Reason
	// for a narrow header ("bot removed from chat", "connection refused").
	Health Health
	Since  time.Time
	Short  string

	// The last alert made, as plain text (its first line), and when: for
	// a UI that shows it, which is where alerts are seen without Telegram.
	Last   string
	LastAt time.Time

	// Recent are the last alerts made, newest first, each with its delivery.
	Recent []Recent
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

// Checked tells the dispatcher what a check of the bot (getMe) found, at
// start-up or later: an unreachable Bot API or a refused token shows in
// Status before any alert is tried, and a success clears an
// unreachability no message is waiting to clear. Safe for concurrent use.
func (d *Dispatcher) Checked(err error) { d.out.checked(err, d.clock.Now()) }

// health classifies the error of a request: nil is ok.
func health(err error) Health {
	var apiErr *APIError
	switch {
	case err == nil:
		return HealthOK
	case errors.As(err, &apiErr) && apiErr.Refused() && !apiErr.aboutMessage():
		return HealthRefused
	case errors.As(err, &apiErr):
		return HealthFailing
	}
	return HealthUnreachable // a NetError, or anything that is not an answer
}

// shortReason is a few words of why a request failed, for a header:
// what a person must fix or wait for, not the whole error.
func shortReason(err error) string {
	var apiErr *APIError
	var netErr *NetError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &apiErr):
		d := strings.ToLower(apiErr.Description)
		switch {
		case apiErr.Code == 401 || strings.Contains(d, "unauthorized"):
			return "bad token"
		case strings.Contains(d, "kicked"), strings.Contains(d, "not a member"), strings.Contains(d, "removed"):
			return "bot removed from chat"
		case strings.Contains(d, "blocked by the user"):
			return "bot blocked by the user"
		case strings.Contains(d, "chat not found"):
			return "chat not found"
		case apiErr.Code == 429:
			return "rate limited"
		case apiErr.Code >= 500:
			return fmt.Sprintf("server error %d", apiErr.Code)
		}
		return fmt.Sprintf("%d %s", apiErr.Code, apiErr.Description)
	case errors.As(err, &netErr):
		m := strings.ToLower(netErr.Msg)
		switch {
		case netErr.Timeout || strings.Contains(m, "timeout"):
			return "timeout"
		case strings.Contains(m, "connection refused"):
			return "connection refused"
		case strings.Contains(m, "no such host"):
			return "no such host"
		case strings.Contains(m, "network is unreachable"), strings.Contains(m, "no route to host"):
			return "no route"
		case strings.Contains(m, "connection reset"), strings.Contains(m, "eof"):
			return "connection cut"
		}
	}
	return strings.TrimPrefix(err.Error(), "telegram: ")
}

// recentList is the outbox's record of the last alerts made, oldest first,
// and of which one the head of the queue is.
type recentList struct {
	items []Recent
	keys  []uint64 // the outbox key of each item
}

// add records a message just queued under key.
func (r *recentList) add(m Message, key uint64) {
	first, _, _ := strings.Cut(plainText(m.Text), "\n")
	r.items = append(r.items, Recent{Made: m.Made, Kind: m.Kind, Hosts: m.Hosts, Text: first})
	r.keys = append(r.keys, key)
	if n := len(r.items) - recentKept; n > 0 {
		r.items, r.keys = r.items[n:], r.keys[n:]
	}
}

// update sets the delivery of the message queued under key, if it is
// still among the recent ones.
func (r *recentList) update(key uint64, d Delivery, at time.Time, reason string) {
	for i := len(r.keys) - 1; i >= 0; i-- {
		if r.keys[i] == key {
			it := &r.items[i]
			it.Delivery, it.Reason = d, reason
			if d != DeliveryQueued {
				it.At = at
			}
			return
		}
	}
}

// newestFirst is a copy of the list, newest first.
func (r *recentList) newestFirst() []Recent {
	out := make([]Recent, len(r.items))
	for i, it := range r.items {
		out[len(out)-1-i] = it
	}
	return out
}

// setHealth records what the last request found at now; a failure of the
// same kind as the one before keeps its Since.
func (o *outbox) setHealth(err error, now time.Time) {
	h := health(err)
	if o.toLog {
		return
	}
	if h != o.health || o.healthSince.IsZero() {
		o.healthSince = now
	}
	o.health = h
	o.short = shortReason(err)
}

// checked records the outcome of a check of the bot. A success does not
// hide a failure the messages meet (a chat not found passes getMe): it
// clears only an unreachable Bot API, or no news.
func (o *outbox) checked(err error, now time.Time) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.toLog {
		return
	}
	if err == nil {
		if o.health == HealthUnreachable || o.health == HealthChecking {
			o.failing, o.retryAt = "", time.Time{}
			o.setHealth(nil, now)
		}
		return
	}
	if len(o.queue) > 0 && o.health != HealthOK && o.health != HealthChecking {
		return // the messages' own tries say more (and when the next is due)
	}
	o.failing = err.Error()
	o.setHealth(err, now)
	select { // so that an idle run arms the recheck
	case o.wake <- struct{}{}:
	default:
	}
}

// setChecker gives the outbox the check of its bot: until the check (or
// a message) says how Telegram is, the health is "checking", not "ok".
func (o *outbox) setChecker(check func(context.Context) error) {
	o.check = check
	if check != nil && !o.toLog {
		o.health = HealthChecking
	}
}

// checkerOf is how the outbox checks the bot of n: getMe for Telegram,
// nothing for the log.
func checkerOf(n Notifier) func(context.Context) error {
	t, ok := n.(*Telegram)
	if !ok {
		return nil
	}
	return func(ctx context.Context) error {
		_, err := t.Me(ctx)
		return err
	}
}

// recheckEvery is how often the bot is checked while the Bot API is
// unreachable and no message is waiting to find out it is back.
const recheckEvery = backoffMax

// recheckDue reports whether the idle outbox should check the bot: the
// Bot API was unreachable at the last request and nothing is queued.
func (o *outbox) recheckDue() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.check != nil && o.health == HealthUnreachable && len(o.queue) == 0
}
