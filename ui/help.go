package ui

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"
)

// helpView is the page "?" shows in place of the table, from
// m.helpOffset on: on a short pane it scrolls, and the footer's mark says
// so (helpMark).
func (m *Model) helpView(b *strings.Builder, lines int) {
	out := m.helpLines()
	m.helpOffset = clamp(m.helpOffset, 0, max(0, len(out)-lines))
	shown := out[m.helpOffset:min(len(out), m.helpOffset+lines)]
	for i, l := range shown {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(l)
	}
	for i := max(len(shown), 1); i < lines; i++ {
		b.WriteByte('\n')
	}
}

// helpMark is the help page's scroll mark in a body of lines lines.
func (m *Model) helpMark(lines int) string {
	n := len(m.helpLines())
	off := clamp(m.helpOffset, 0, max(0, n-lines))
	return scrollMark(off, min(lines, n), n)
}

// helpLines are the lines of the help page: every key, in as many columns
// as the pane holds, where the logs are, the alerts, and what the marks
// mean.
func (m *Model) helpLines() []string {
	st := &m.c.styles
	w := m.c.width
	var items []key.Binding
	for _, group := range m.c.keys.FullHelp() {
		items = append(items, group...)
	}
	keyW, descW := 0, 0
	for _, k := range items {
		keyW = max(keyW, width(k.Help().Key))
		descW = max(descW, width(k.Help().Desc))
	}
	const gutter = 3
	cols := clamp((w-1+gutter)/(keyW+1+descW+gutter), 1, len(m.c.keys.FullHelp()))
	rows := (len(items) + cols - 1) / cols

	out := make([]string, 0, rows+8)
	out = append(out, st.Heading.Render(" KEYS"))
	for r := range rows {
		var line strings.Builder
		line.WriteByte(' ')
		for c := range cols {
			i := c*rows + r
			if i >= len(items) {
				break
			}
			if c > 0 {
				line.WriteString(spaces(gutter))
			}
			h := items[i].Help()
			line.WriteString(st.Key.Render(fit(h.Key, keyW)))
			line.WriteByte(' ')
			line.WriteString(st.KeyDesc.Render(fit(h.Desc, descW)))
		}
		out = append(out, fitStyled(line.String(), w))
	}
	out = append(out, "", st.Heading.Render(" LOGS"))
	logs := m.logPath
	if logs == "" {
		logs = "none"
	}
	out = append(out, flowPath(logs, w, " ")...)

	out = append(out, "", st.Heading.Render(" ALERTS"))
	out = append(out, m.alertLines(w)...)

	out = append(out, "", st.Heading.Render(" MARKS"))
	for _, l := range []string{
		glyphUp + " up  " + glyphDown + " down  " + glyphPending + " pending  " + glyphPaused + " paused  " + markLost + " lost probe  " + markOutlier + " reply above the scale",
		"after a name: " + markAcked + " outage acknowledged  " + markMuted + " muted (no alerts): m mutes the selected host, M lists the mutes (u unmutes)",
		"sparkline: newest probe on the right; log scale shared by the rows on screen, its top in the column head, " + markOutlier + " above it",
		"detail (⏎): 1–4 chart range, t traces the path live, esc back",
		"26/40 ↓: the rows up to 26 of 40 are on screen, more below (↑ above, ↕ both)",
		"d removes only hosts added with a; the others live in the config, the command line or a target file",
	} {
		out = append(out, flow(l, w, " ")...)
	}
	return out
}

// alertLines are the help's word on alerts: the channel's state with the
// whole reason, then the last alerts, newest first, each marked sent,
// queued or failed.
func (m *Model) alertLines(w int) []string {
	st := &m.c.styles
	a := m.alert
	var out []string
	if a.Level == AlertOff {
		out = flow("telegram off: alerts go to the log and the status line", w, " ")
	} else {
		words, style := m.alertText()
		out = flow(words[0], w, " ")
		for i := range out {
			out[i] = style.Render(out[i])
		}
	}
	if len(a.Recent) == 0 && a.Last == "" {
		return append(out, flow("no alert since the start", w, " ")...)
	}
	if len(a.Recent) == 0 { // a status that lists none names the last one
		at := formatStamp(a.LastAt.In(m.c.now.Location()), m.c.now)
		return append(out, flow("last alert "+at+": "+firstLine(a.Last), w, " ")...)
	}
	for _, r := range a.Recent {
		at := formatStamp(r.Made.In(m.c.now.Location()), m.c.now)
		mark, ms := r.Delivery, st.Up
		switch r.Delivery {
		case "queued":
			ms = st.Warn
		case "failed":
			ms = st.Down
		}
		line := " " + st.Faint.Render(at) + " " + ms.Render(fit(mark, 6)) + " " + firstLine(r.Text)
		out = append(out, fitStyled(line, w))
		if r.Reason != "" && r.Delivery != "sent" {
			// Its own line: a cut alert text still leaves the why whole.
			why := "why: "
			if r.Delivery == "queued" {
				why = "last try: "
			}
			indent := spaces(1 + width(at) + 1 + 6 + 1) // under the text
			for _, l := range flow(why+r.Reason, w, indent) {
				out = append(out, st.Faint.Render(l))
			}
		}
	}
	return out
}
