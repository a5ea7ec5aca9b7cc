package alert

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// What the outbox adds to a message when it goes out: that it is late and
// why, and that a DOWN about the same host never arrived. And how it folds
// the queued messages of an outage that ended before any of them went.

// noteRoom is the room a message leaves for the notes added when it is
// sent, so that message and notes fit in one Telegram message.
const noteRoom = 400

// maxText is the longest text a message of the outbox has.
const maxText = MaxMessageLen - noteRoom

// lateAfter is how old a message is when it goes before it is marked
// late. Pacing alone (a storm of messages at one a second, 20 a minute in
// a group) delays some by more: they are marked too, since they are late.
const lateAfter = 30 * time.Second

// maxReason caps the failure reason quoted in a note.
const maxReason = 160

// trouble is a run of failed tries: from the first failure to the
// success that ended it (to is zero while it lasts).
type trouble struct {
	from, to time.Time
	what     string // "was unreachable", "refused", "asked to wait"
}

// lostDown is a DOWN message refused for good: the next message about its
// hosts says it never arrived.
type lostDown struct {
	made   time.Time
	reason string
}

// troubleWhat words a failed try for a late note.
func troubleWhat(err error) string {
	var apiErr *APIError
	switch {
	case errors.As(err, &apiErr) && apiErr.Code == 429:
		return "asked to wait"
	case errors.As(err, &apiErr) && apiErr.Refused():
		return "refused the messages"
	}
	return "was unreachable"
}

// lateNote is the line that says a message goes late, "" when it is not
// late (or goes to the log, whose lines carry their own time).
func (o *outbox) lateNote(m Message, now time.Time) string {
	if o.toLog || m.Made.IsZero() || now.Sub(m.Made) < lateAfter {
		return ""
	}
	t := o.trouble
	if t.from.IsZero() || (!t.to.IsZero() && m.Made.After(t.to)) || m.Made.Before(t.from.Add(-lateAfter)) {
		// No failure explains it (pacing, or made before a restart).
		return "⏳ sent late: queued since " + o.clockOf(m.Made)
	}
	end := now
	if !t.to.IsZero() {
		end = t.to
	}
	return "⏳ sent late: Telegram " + t.what + " " + o.clockOf(t.from) + "–" + o.clockOf(end)
}

// clockOf is a time of day in the messages' zone, with the date when it is
// not today.
func (o *outbox) clockOf(t time.Time) string {
	t, now := t.In(o.loc), o.clock.Now().In(o.loc)
	if t.Year() != now.Year() || t.YearDay() != now.YearDay() {
		return t.Format("2006-01-02 15:04:05 MST")
	}
	return t.Format("15:04:05")
}

// lostNote says which DOWN alerts about m's hosts never arrived, "" when
// none did not. Only reminders and UPs carry it: a new DOWN is news of its
// own.
func (o *outbox) lostNote(m Message) string {
	if !strings.Contains(m.Kind, "up") && !strings.Contains(m.Kind, "reminder") {
		return ""
	}
	type group struct {
		made   time.Time
		reason string
		hosts  []string
	}
	var groups []*group
	for _, h := range m.Hosts {
		l, ok := o.lost[h]
		if !ok {
			continue
		}
		i := slices.IndexFunc(groups, func(g *group) bool { return g.made.Equal(l.made) && g.reason == l.reason })
		if i < 0 {
			groups = append(groups, &group{made: l.made, reason: l.reason})
			i = len(groups) - 1
		}
		groups[i].hosts = append(groups[i].hosts, h)
	}
	if len(groups) == 0 {
		return ""
	}
	var lines []string
	for _, g := range groups {
		reason := g.reason
		if len(reason) > maxReason {
			reason = reason[:maxReason] + "…"
		}
		about := ""
		if len(g.hosts) < len(m.Hosts) {
			about = " about " + names(g.hosts)
		}
		lines = append(lines, fmt.Sprintf("⚠ the DOWN alert of %s%s was not delivered: %s", o.clockOf(g.made), about, esc(reason)))
	}
	note := strings.Join(lines, "\n")
	if utf16Len(note) > noteRoom-100 {
		note = fmt.Sprintf("⚠ %d earlier DOWN alerts about these hosts were not delivered", len(groups))
	}
	return note
}

// withNotes is m's text as it goes: with the lost-DOWN and late notes.
func (o *outbox) withNotes(m Message, now time.Time) Message {
	for _, n := range []string{o.lostNote(m), o.lateNote(m, now)} {
		if n != "" {
			m.Text += "\n" + n
		}
	}
	return m
}

// noteSent forgets the lost DOWNs of the hosts a delivered message named,
// and closes a run of failures.
func (o *outbox) noteSent(m Message, now time.Time) {
	for _, h := range m.Hosts {
		delete(o.lost, h)
	}
	if !o.trouble.from.IsZero() && o.trouble.to.IsZero() {
		o.trouble.to = now
	}
}

// noteFailed remembers a failed try: when the run of failures began, and
// the hosts of a DOWN refused for good.
func (o *outbox) noteFailed(m Message, now time.Time, err error, final bool) {
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.aboutMessage() {
		// This message alone: the channel works.
	} else if o.trouble.from.IsZero() || !o.trouble.to.IsZero() {
		o.trouble = trouble{from: now, what: troubleWhat(err)}
	} else {
		o.trouble.what = troubleWhat(err)
	}
	// A DOWN folded with its UP (kind down,up) told an outage that is
	// over: no later message is about it.
	if final && strings.Contains(m.Kind, "down") && !strings.Contains(m.Kind, "up") {
		for _, h := range m.Hosts {
			o.lost[h] = lostDown{made: m.Made, reason: err.Error()}
		}
	}
}

// splitLong cuts a message longer than maxText into messages of its own,
// "(1/2) …", each kept and marked sent on its own, so that a part that
// fails never makes the parts before it go twice.
func splitLong(msgs []Message) []Message {
	var out []Message
	for _, m := range msgs {
		if utf16Len(m.Text) <= maxText {
			out = append(out, m)
			continue
		}
		parts := split(m.Text, maxText-partMark)
		for i, p := range parts {
			part := m
			part.Text = fmt.Sprintf("(%d/%d) %s", i+1, len(parts), p)
			out = append(out, part)
		}
	}
	return out
}

// isPart reports whether a text is one part of a message cut in several.
func isPart(text string) bool {
	var i, n int
	_, err := fmt.Sscanf(text, "(%d/%d) ", &i, &n)
	return err == nil && n > 1
}

// foldEnded looks at the head of the queue, a DOWN that goes late: when the
// UP that ends its outage waits in the queue too (same hosts), the two go
// as one message (the DOWN's text, then the UP's) and the reminders
// between them, about those hosts alone, are dropped: the UP's length says
// more. It returns the message to send and the ids of the queued messages
// it stands for besides the head (their indexes in the queue in idx). The
// caller holds o.mu.
func (o *outbox) foldEnded(now time.Time) (m Message, idx []int) {
	m = o.queue[0]
	if o.toLog || m.Kind != "down" || isPart(m.Text) || now.Sub(m.Made) < lateAfter {
		return m, nil
	}
	for j := 1; j < len(o.queue); j++ {
		q := o.queue[j]
		if !sameSet(q.Hosts, m.Hosts) {
			if overlap(q.Hosts, m.Hosts) {
				return m, nil // news about some of them among others: keep the order
			}
			continue
		}
		if isPart(q.Text) {
			return m, nil
		}
		switch q.Kind {
		case "reminder":
			idx = append(idx, j)
		case "up":
			if utf16Len(m.Text)+1+utf16Len(q.Text) > maxText {
				return m, nil
			}
			idx = append(idx, j)
			m.Text += "\n" + q.Text
			m.Kind = "down,up"
			m.Down = nil // the outage is over: no Ack or Mute 1h buttons
			return m, idx
		default:
			return m, nil
		}
	}
	return o.queue[0], nil
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

func overlap(a, b []string) bool {
	for _, x := range a {
		if slices.Contains(b, x) {
			return true
		}
	}
	return false
}
