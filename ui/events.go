package ui

import (
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"downtime/monitor"
)

// eventsKept is how many transitions Events remembers.
const eventsKept = 200

// Events remembers the monitor's last transitions for the "e" list. The
// monitor's transition hook calls Transition from its own goroutine: it
// takes a lock for an append and never waits on the UI. The UI copies the
// list in its tick's tea.Cmd.
type Events struct {
	mu    sync.Mutex
	items []Event // oldest first, at most eventsKept
}

// Event is one line of the events list: a host went down or came up.
type Event struct {
	At      time.Time
	Host    string
	Address string
	To      monitor.State
	Still   bool          // an outage restored at start-up ("host still down")
	Reason  string        // why it went down
	Outage  time.Duration // for an UP: how long it was down
	Since   time.Time     // the outage's start
}

// NewEvents returns an empty record.
func NewEvents() *Events { return &Events{} }

// Transition records t when it is a change between up and down (or an
// outage restored at start-up), as the log does; notices are skipped.
func (e *Events) Transition(t monitor.Transition) {
	if t.Notice != monitor.NoNotice || (t.To != monitor.Down && t.To != monitor.Up) {
		return
	}
	ev := Event{At: t.At, Host: t.Host, Address: t.Address, To: t.To, Still: t.Restored, Reason: t.Reason, Since: t.DownSince}
	if t.To == monitor.Up && !t.DownSince.IsZero() {
		ev.Outage = t.At.Sub(t.DownSince)
	}
	e.mu.Lock()
	e.items = append(e.items, ev)
	if n := len(e.items) - eventsKept; n > 0 {
		e.items = slices.Delete(e.items, 0, n)
	}
	e.mu.Unlock()
}

// list is a copy of the events, oldest first.
func (e *Events) list() []Event {
	if e == nil {
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.items)
}

// sameEvents reports whether b is a's list again: the list only grows at
// its end (dropping its oldest), so the length and the newest tell.
func sameEvents(a, b []Event) bool {
	if len(a) != len(b) {
		return false
	}
	if len(a) == 0 {
		return true
	}
	x, y := a[len(a)-1], b[len(b)-1]
	return x.At.Equal(y.At) && x.Host == y.Host && x.To == y.To && x.Still == y.Still && x.Since.Equal(y.Since)
}

// eventLine is one line of the list, with the time it sorts by.
type eventLine struct {
	at   time.Time
	text string
	kind statusKind
}

// eventLines are the transitions and the recent alerts, newest first, in
// the words of the log ("host down", "alert sent").
func (m *Model) eventLines() []eventLine {
	now := m.c.now
	var out []eventLine
	for _, e := range m.events {
		var b strings.Builder
		kind := statusInfo
		switch {
		case e.Still:
			b.WriteString(glyphDown + " host still down  " + e.Host)
			kind = statusWarn
		case e.To == monitor.Down:
			b.WriteString(glyphDown + " host down  " + e.Host)
			kind = statusError
		default:
			b.WriteString(glyphUp + " host up  " + e.Host)
		}
		if e.Address != "" && e.Address != e.Host {
			b.WriteString(" (" + e.Address + ")")
		}
		switch {
		case e.To == monitor.Down && e.Reason != "":
			b.WriteString("  " + e.Reason)
		case e.Still && !e.Since.IsZero():
			b.WriteString("  since " + formatStamp(e.Since.In(now.Location()), now))
		case e.To == monitor.Up:
			b.WriteString("  outage " + formatClock(e.Outage))
		}
		out = append(out, eventLine{at: e.At, text: b.String(), kind: kind})
	}
	for _, a := range m.alert.Recent {
		text := "✉ alert " + a.Delivery + "  " + a.Text
		kind := statusInfo
		switch {
		case a.Delivery == "failed":
			text += "  (" + a.Reason + ")"
			kind = statusError
		case a.Delivery == "queued" && a.Reason != "":
			text += "  (last try: " + a.Reason + ")"
			kind = statusWarn
		}
		out = append(out, eventLine{at: a.Made, text: text, kind: kind})
	}
	slices.SortStableFunc(out, func(a, b eventLine) int { return b.at.Compare(a.at) })
	return out
}

// eventsView is the "e" page: the last events, newest first, from
// m.eventsOffset on, in lines lines.
func (m *Model) eventsView(b *strings.Builder, lines int) {
	st := &m.c.styles
	w := m.c.width
	evs := m.eventLines()
	rows := max(0, lines-1) // under the heading
	m.eventsOffset = clamp(m.eventsOffset, 0, max(0, len(evs)-rows))
	head := " EVENTS  newest first"
	if mark := scrollMark(m.eventsOffset, min(rows, len(evs)), len(evs)); mark != "" {
		head = padBetween(head, mark, w)
	}
	b.WriteString(st.Heading.Render(fit(head, w)))
	written := 0
	if len(evs) == 0 && rows > 0 {
		b.WriteString("\n" + st.Faint.Render(fit(" no transition or alert since the start", w)))
		written++
	}
	for i := m.eventsOffset; i < len(evs) && written < rows; i++ {
		e := evs[i]
		style := st.Info
		switch e.kind {
		case statusWarn:
			style = st.Warn
		case statusError:
			style = st.Down
		}
		stamp := formatStamp(e.at.In(m.c.now.Location()), m.c.now)
		b.WriteString("\n " + st.Faint.Render(stamp) + " " + style.Render(fit(e.text, max(0, w-2-width(stamp)))))
		written++
	}
	for ; written < rows; written++ {
		b.WriteByte('\n')
	}
}

// scrollMark says where a list that does not fit stands: "26/40 ↓" is
// rows up to 26 of 40 on screen, more below (↑ more above, ↕ both); ""
// when everything is shown.
func scrollMark(offset, shown, total int) string {
	if total <= shown || shown <= 0 {
		return ""
	}
	arrow := "↕"
	switch {
	case offset == 0:
		arrow = "↓"
	case offset+shown >= total:
		arrow = "↑"
	}
	return strconv.Itoa(offset+shown) + "/" + strconv.Itoa(total) + " " + arrow
}

// padBetween puts right at the right end of a line of w cells that starts
// with left, cutting left if it must.
func padBetween(left, right string, w int) string {
	rw := width(right)
	if width(left)+1+rw > w {
		left = fit(left, max(0, w-rw-1))
	}
	return left + spaces(max(1, w-width(left)-rw)) + right
}
