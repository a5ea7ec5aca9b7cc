package ui

import (
	"time"

	"path/filepath"
	"strconv"
	"strings"

	"github.com/charmbracelet/lipgloss"

	"downtime/monitor"
)

// counts is how many hosts are in each state, counted once per snapshot.
type counts [4]int

func countStates(hosts []*monitor.HostView) counts {
	var c counts
	for _, v := range hosts {
		if int(v.State) < len(c) {
			c[v.State]++
		}
	}
	return c
}

// segment is one piece of the header. When the line is too narrow it
// gives way in the order of shrinkSteps: a shorter wording from alts, then
// none at all.
type segment struct {
	text  string
	style lipgloss.Style
	alts  []string // shorter wordings, longest first
}

// shorten moves the segment to its next shorter wording; false when it
// has none left.
func (s *segment) shorten() bool {
	if len(s.alts) == 0 {
		return false
	}
	s.text, s.alts = s.alts[0], s.alts[1:]
	return true
}

// header is the top line: counts on the left; the alert channel, the config
// file and the clock on the right.
func (m *Model) header() string {
	st := &m.c.styles
	c := m.counts
	w := m.c.width
	clock := m.c.now.Format("15:04:05")
	if m.compact() {
		var b strings.Builder
		if m.demo {
			b.WriteString(st.Warn.Render("DEMO") + " ")
		}
		for _, s := range []monitor.State{monitor.Down, monitor.Up, monitor.Paused} {
			if c[s] > 0 || s != monitor.Paused {
				b.WriteString(st.stateStyle(s).Render(glyph(s) + strconv.Itoa(c[s])))
				b.WriteByte(' ')
			}
		}
		if a := m.alert.Level; a != AlertOK && a != AlertOff {
			b.WriteString(st.Down.Render("tg✕") + " ")
		}
		left := b.String()
		pad := w - lipgloss.Width(left) - len(clock)
		if pad < 1 {
			return fitStyled(left, w)
		}
		return left + spaces(pad) + st.Faint.Render(clock)
	}

	downStyle := st.Faint
	if c[monitor.Down] > 0 {
		downStyle = st.Down
	}
	title := segment{text: "downtime", style: st.Title}
	demo := segment{style: st.Warn}
	if m.demo {
		demo.text = "DEMO"
	}
	up := segment{text: glyphUp + " " + strconv.Itoa(c[monitor.Up]) + " up", style: st.Up}
	down := segment{text: glyphDown + " " + strconv.Itoa(c[monitor.Down]) + " down", style: downStyle}
	paused := segment{text: glyphPaused + " " + strconv.Itoa(c[monitor.Paused]) + " paused", style: st.Paused}
	var pending segment
	if c[monitor.Pending] > 0 {
		pending = segment{text: glyphPending + " " + strconv.Itoa(c[monitor.Pending]) + " pending", style: st.Pending}
	}
	words, alertStyle := m.alertText()
	alert := segment{text: words[0], alts: words[1:], style: alertStyle}
	unsaved := segment{style: st.Down}
	if m.alert.StateNotSaved {
		unsaved.text = "state not saved"
	}
	var cfg segment
	if m.configPath != "" {
		cfg = segment{text: filepath.Base(m.configPath), style: st.Faint}
	}
	clk := segment{text: clock, style: st.Faint}
	left := []*segment{&title, &demo, &up, &down, &paused, &pending}
	right := []*segment{&unsaved, &alert, &cfg, &clk}

	const sep = "  "
	total := func() int {
		n := 1 // the leading space
		for _, list := range [][]*segment{left, right} {
			k := 0
			for _, s := range list {
				if s.text != "" {
					n += width(s.text)
					if k > 0 {
						n += len(sep)
					}
					k++
				}
			}
		}
		return n + 2 // at least two spaces between the halves
	}
	drop := func(s *segment) func() bool { return func() bool { s.text = ""; return false } }
	// What gives way first: the alert's whole reason (it is in "?"), the
	// config's name, the counts that are not news, the title; then the
	// alert's wording shrinks to its core, and only then goes.
	steps := []func() bool{
		func() bool { alert.shorten(); return false }, // the reason in a few words
		drop(&cfg), drop(&pending), drop(&paused), drop(&title), drop(&unsaved),
		alert.shorten, // shorter and shorter, while there is a shorter one
		drop(&alert), drop(&clk),
	}
	for i := 0; i < len(steps) && total() > w; {
		if !steps[i]() {
			i++
		}
	}
	join := func(list []*segment) (string, int) {
		var b strings.Builder
		n := 0
		for _, s := range list {
			if s.text == "" {
				continue
			}
			if n > 0 {
				b.WriteString(sep)
				n += len(sep)
			}
			b.WriteString(s.style.Render(s.text))
			n += width(s.text)
		}
		return b.String(), n
	}
	l, ln := join(left)
	r, rn := join(right)
	pad := w - 1 - ln - rn
	if pad < 1 {
		return " " + fitStyled(l, max(0, w-1)) // still too narrow: the counts win
	}
	return " " + l + spaces(pad) + r
}

// alertText is the header's word on alerts, in every wording from the
// whole truth to the least that is still true, longest first. A failure
// says what kind (unreachable, failing, refused), since when, how many
// messages wait, and why.
func (m *Model) alertText() ([]string, lipgloss.Style) {
	st := &m.c.styles
	a := m.alert
	const tg = "telegram: "
	var word string
	switch a.Level {
	case AlertUnreachable:
		word = "unreachable"
	case AlertFailing:
		word = "failing"
	case AlertRefused:
		word = "refused"
	case AlertChecking:
		return []string{tg + "checking"}, st.Faint
	case AlertOK:
		if a.Queued > 0 {
			return []string{tg + strconv.Itoa(a.Queued) + " queued"}, st.Warn
		}
		return []string{tg + "ok"}, st.Up
	default:
		return []string{tg + "off"}, st.Faint
	}
	since := ""
	if !a.Since.IsZero() {
		since = " since " + formatSince(a.Since, m.c.now)
	}
	queued := ""
	if a.Queued > 0 {
		queued = " (" + strconv.Itoa(a.Queued) + " queued)"
	}
	why := func(r string) string {
		if r == "" {
			return ""
		}
		return ": " + r
	}
	short := a.Short
	if short == "" {
		short = a.Reason
	}
	var out []string
	if a.Level == AlertRefused {
		out = []string{
			tg + word + since + queued + why(a.Reason),
			tg + word + why(short) + queued,
			tg + word + queued,
			tg + word,
			"tg: " + word,
		}
	} else {
		out = []string{
			tg + word + since + queued + why(a.Reason),
			tg + word + since + queued + why(short),
			tg + word + since + queued,
			tg + word + queued,
			tg + word,
			"tg: " + word,
		}
	}
	return out, st.Down // one wording a step of header, repeats and all
}

// formatSince is when a failure began: the time of day today, the date
// too before that.
func formatSince(t, now time.Time) string {
	t = t.In(now.Location())
	y1, m1, d1 := t.Date()
	y2, m2, d2 := now.Date()
	if y1 == y2 && m1 == m2 && d1 == d2 {
		return t.Format("15:04")
	}
	return t.Format("Jan 2 15:04")
}
