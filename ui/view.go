package ui

import (
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/x/ansi"
)

// View draws the screen. It builds only what is on it.
func (m *Model) View() string {
	if m.viewFresh {
		return m.view
	}
	footer, lines := m.footerFit()
	var b strings.Builder
	b.Grow(m.c.width * m.c.height * 3)
	b.WriteString(m.header())
	if body := m.c.height - 1 - lines; body > 0 {
		b.WriteByte('\n')
		switch {
		case m.showHelp:
			m.helpView(&b, body)
		case m.state == stateEvents:
			m.eventsView(&b, body)
		case m.compact():
			m.table.compactView(&b, body)
		case m.state == stateDetail:
			m.detail.view(&b, body)
		case m.state == stateTrace:
			m.trace.view(&b, body)
		default:
			m.table.view(&b, body)
		}
	}
	if footer != "" {
		b.WriteByte('\n')
		b.WriteString(footer)
	}
	m.view, m.viewFresh = b.String(), true
	return m.view
}

// footerFit is the footer cut to leave the header and a line of hosts on
// screen, and how many lines it takes.
func (m *Model) footerFit() (string, int) {
	f := m.footer()
	if f == "" {
		return "", 0
	}
	lines := strings.Split(f, "\n")
	if room := max(1, m.c.height-2); len(lines) > room {
		lines = lines[len(lines)-room:] // the keys, at the bottom, stay
	}
	return strings.Join(lines, "\n"), len(lines)
}

// footerLines is how many lines the footer takes.
func (m *Model) footerLines() int {
	_, n := m.footerFit()
	return n
}

// footer is what is below the table: the add form, the filter, the remove
// question or the status line, then the keys.
func (m *Model) footer() string {
	st := &m.c.styles
	w := m.c.width
	var b strings.Builder
	switch m.mode {
	case modeAdd:
		m.form.view(&b)
		return b.String()
	case modeFilter:
		n := strconv.Itoa(len(m.table.rows)) + " of " + strconv.Itoa(len(m.snap.Hosts)) + " · ⏎ keep · esc clear"
		line := " " + m.filterIn.View() + "  " + st.Faint.Render(n)
		return fitStyled(line, w)
	case modeConfirm:
		v := m.confirm
		q := "remove " + v.Name + " (" + v.Address + ")? y/n"
		return st.Warn.Render(fit(" "+q, w))
	case modeMute:
		m.muteView(&b)
		return b.String()
	case modeMutes:
		m.mutesView(&b)
		return b.String()
	}
	if line := m.statusLine(); line != "" {
		b.WriteString(line)
		b.WriteByte('\n')
	}
	var keys []key.Binding
	var kind hintKind
	switch {
	case m.showHelp:
		keys, kind = m.c.keys.helpHelp(), hintHelp
	case m.state == stateEvents:
		keys, kind = m.c.keys.eventsHelp(), hintEvents
	case m.compact():
		keys, kind = m.c.keys.compactHelp(), hintCompact
	case m.state == stateDetail:
		keys, kind = m.c.keys.detailHelp(), hintDetail
	case m.state == stateTrace:
		keys, kind = m.c.keys.traceHelp(), hintTrace
	case w < 80:
		keys, kind = m.c.keys.narrowHelp(), hintNarrow
	case m.canReload() && hintWidth(m.c.keys.wideHelp(), m.help.ShortSeparator) < w:
		keys, kind = m.c.keys.wideHelp(), hintWide
	default:
		keys, kind = m.c.keys.ShortHelp(), hintShort
	}
	hint := m.hintLine(kind, keys)
	mark := ""
	switch {
	case m.showHelp:
		mark = m.helpMark(m.c.height - 2 - strings.Count(b.String(), "\n")) // the lines above the footer's
	case m.compact() && m.state != stateEvents:
		// The compact list has no column heads to carry the scroll mark.
		mark = scrollMark(m.table.offset, min(m.table.height, len(m.table.rows)), len(m.table.rows))
	}
	if mark != "" {
		hint = padBetween(hint, m.c.styles.Key.Render(mark), w)
	}
	b.WriteString(fitStyled(hint, w))
	return b.String()
}

// hintKind is which set of keys the hint line shows.
type hintKind uint8

const (
	hintShort hintKind = iota
	hintWide
	hintNarrow
	hintCompact
	hintDetail
	hintTrace
	hintEvents
	hintHelp
)

// hintCache is the last hint line drawn and what it was drawn for: the
// keys' help is styled cell by cell (a lipgloss Render each), and the line
// changes only with the view, the width and the sort order.
type hintCache struct {
	kind  hintKind
	width int
	sort  sortOrder
	line  string
}

// hintLine is the line of keys at the bottom, drawn once for each kind,
// width and sort order.
func (m *Model) hintLine(kind hintKind, keys []key.Binding) string {
	h := &m.hint
	if h.line != "" && h.kind == kind && h.width == m.help.Width && h.sort == m.table.sort {
		return h.line
	}
	// help cuts the line with an ellipsis, but not when even that does
	// not fit: the caller's fitStyled makes sure.
	*h = hintCache{kind: kind, width: m.help.Width, sort: m.table.sort, line: " " + m.help.ShortHelpView(keys)}
	return h.line
}

// bodyLines is how many lines the screen has between the header and the
// footer.
func (m *Model) bodyLines() int {
	return max(0, m.c.height-1-m.footerLines())
}

// hintWidth is how wide help.ShortHelpView draws keys when it has room.
func hintWidth(keys []key.Binding, sep string) int {
	n := 0
	for i, k := range keys {
		if i > 0 {
			n += width(sep)
		}
		n += width(k.Help().Key) + 1 + width(k.Help().Desc)
	}
	return n
}

// statusLine is the line above the keys: the filter in force, then the
// last command's outcome or a new alert (the newer of the two), or the
// notice. An error too long for the line (a refused reload names the file,
// the line and the fix) wraps onto up to maxStatusLines lines.
func (m *Model) statusLine() string {
	st := &m.c.styles
	w := m.c.width
	var filter string
	if f := m.table.filter; f != "" && m.state == stateTable {
		filter = st.Prompt.Render("/"+f) + st.Faint.Render(" "+strconv.Itoa(len(m.table.rows))+" of "+strconv.Itoa(len(m.snap.Hosts))+" hosts · esc clears")
	}
	text, kind := m.status, m.statusKind
	if m.alertNote != "" && (text == "" || m.alertAt.After(m.statusAt)) {
		text, kind = m.alertNote, m.alertKind
	}
	style := st.Info
	switch kind {
	case statusWarn:
		style = st.Warn
	case statusError:
		style = st.Error
	}
	var parts []string
	if filter != "" {
		parts = append(parts, filter)
	}
	switch {
	case text != "":
		parts = append(parts, style.Render(text))
	case m.notice != "" && filter == "":
		parts = append(parts, st.Warn.Render(m.notice))
	}
	if len(parts) == 0 {
		return ""
	}
	line := " " + strings.Join(parts, "   ")
	if kind != statusError || text == "" || width(line) <= w || w < 20 {
		return fitStyled(line, w)
	}
	var lines []string
	if filter != "" {
		lines = append(lines, fitStyled(" "+filter, w))
	}
	wrapped := strings.Split(ansi.Wrap(text, w-1, ""), "\n")
	if len(wrapped) > maxStatusLines {
		wrapped = wrapped[:maxStatusLines]
		wrapped[maxStatusLines-1] = ansi.Truncate(wrapped[maxStatusLines-1], w-2, "") + "…"
	}
	for _, l := range wrapped {
		lines = append(lines, " "+style.Render(strings.TrimRight(l, " ")))
	}
	return strings.Join(lines, "\n")
}

// fitStyled truncates a styled line to w cells.
func fitStyled(s string, w int) string {
	if width(s) <= w {
		return s
	}
	return ansi.Truncate(s, w, "…")
}
