package ui

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"
)

// helpView is the page "?" shows in place of the table: every key, in as
// many columns as the pane holds, where the logs are, the last alert, and
// what the marks mean (last: on a short pane it is what goes).
func (m *Model) helpView(b *strings.Builder, lines int) {
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
	out = append(out, m.lastAlertLines(w)...)

	out = append(out, "", st.Heading.Render(" MARKS"))
	for _, l := range []string{
		glyphUp + " up  " + glyphDown + " down  " + glyphPending + " pending  " + glyphPaused + " paused  " + markLost + " lost probe",
		"after a name: " + markAcked + " outage acknowledged  " + markMuted + " muted (no alerts): m mutes the selected host, M lists the mutes (u unmutes)",
		"sparkline: newest probe on the right; log scale shared by the rows on screen, its top in the column head",
		"d removes only hosts added with a; the others live in the config, the command line or a target file",
	} {
		out = append(out, flow(l, w, " ")...)
	}
	for i := range min(len(out), lines) {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(out[i])
	}
	for i := max(len(out), 1); i < lines; i++ {
		b.WriteByte('\n')
	}
}

// lastAlertLines say what the last alert was, and where alerts go when
// Telegram is off: the log file and this screen.
func (m *Model) lastAlertLines(w int) []string {
	a := m.alert
	var out []string
	if a.Last == "" {
		out = flow("no alert since the start", w, " ")
	} else {
		at := a.LastAt.In(m.c.now.Location()).Format("15:04:05")
		out = flow("last alert "+at+": "+firstLine(a.Last), w, " ")
	}
	if a.Level == AlertOff {
		out = append(out, flow("telegram off: alerts go to the log and the status line", w, " ")...)
	}
	return out
}
