package ui

import (
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

// segment is one piece of the header with its priority: when the line is
// too narrow, the highest numbers go first.
type segment struct {
	text  string
	style lipgloss.Style
	drop  int // 0: never dropped
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
		for _, s := range []monitor.State{monitor.Down, monitor.Up, monitor.Paused} {
			if c[s] > 0 || s != monitor.Paused {
				b.WriteString(st.stateStyle(s).Render(glyph(s) + strconv.Itoa(c[s])))
				b.WriteByte(' ')
			}
		}
		left := b.String()
		pad := w - lipgloss.Width(left) - len(clock)
		if pad < 1 {
			return fit(glyphDown+strconv.Itoa(c[monitor.Down])+" "+glyphUp+strconv.Itoa(c[monitor.Up]), w)
		}
		return left + spaces(pad) + st.Faint.Render(clock)
	}

	downStyle := st.Faint
	if c[monitor.Down] > 0 {
		downStyle = st.Down
	}
	left := []segment{
		{text: "downtime", style: st.Title},
		{text: glyphUp + " " + strconv.Itoa(c[monitor.Up]) + " up", style: st.Up},
		{text: glyphDown + " " + strconv.Itoa(c[monitor.Down]) + " down", style: downStyle},
		{text: glyphPaused + " " + strconv.Itoa(c[monitor.Paused]) + " paused", style: st.Paused, drop: 3},
	}
	if c[monitor.Pending] > 0 {
		left = append(left, segment{text: glyphPending + " " + strconv.Itoa(c[monitor.Pending]) + " pending", style: st.Pending, drop: 4})
	}
	alert, alertStyle := m.alertText()
	right := []segment{{text: alert, style: alertStyle, drop: 2}}
	if m.alert.StateNotSaved {
		right = append([]segment{{text: "state not saved", style: st.Down, drop: 2}}, right...)
	}
	if m.configPath != "" {
		right = append(right, segment{text: filepath.Base(m.configPath), style: st.Faint, drop: 5})
	}
	right = append(right, segment{text: clock, style: st.Faint, drop: 1})

	const sep = "  "
	total := func() int {
		n := 1 // the leading space
		for _, list := range [][]segment{left, right} {
			for i, s := range list {
				if s.text != "" {
					n += width(s.text)
					if i > 0 {
						n += len(sep)
					}
				}
			}
		}
		return n + 2 // at least two spaces between the halves
	}
	for drop := 5; drop >= 1 && total() > w; drop-- {
		for _, list := range [][]segment{left, right} {
			for i := range list {
				if list[i].drop == drop {
					list[i].text = ""
				}
			}
		}
	}
	join := func(list []segment) (string, int) {
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
		return " " + fit(l, max(0, w-1)) // still too narrow: the counts win
	}
	return " " + l + spaces(pad) + r
}

// alertText is the header's word on alerts.
func (m *Model) alertText() (string, lipgloss.Style) {
	st := &m.c.styles
	a := m.alert
	switch {
	case a.Level == AlertFailing:
		text := "telegram: failing"
		if a.Reason != "" {
			text += ": " + a.Reason
		}
		return fit(text, 40), st.Down
	case a.Level == AlertOK && a.Queued > 0:
		return "telegram: " + strconv.Itoa(a.Queued) + " queued", st.Warn
	case a.Level == AlertOK:
		return "telegram: ok", st.Up
	}
	return "telegram: off", st.Faint
}
