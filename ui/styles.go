package ui

import (
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"downtime/monitor"
)

// The palette names colours by what they mean. They are ANSI colours 0–15,
// so a 16-colour terminal shows them as they are and the user's theme picks
// the exact shade.
var (
	colorUp      = lipgloss.Color("2") // green
	colorDown    = lipgloss.Color("1") // red
	colorPending = lipgloss.Color("3") // yellow
	colorPaused  = lipgloss.Color("4") // blue
	colorWarn    = lipgloss.Color("3") // yellow
	colorAccent  = lipgloss.Color("6") // cyan
)

// Glyphs carry a host's state without colour (NO_COLOR, a monochrome
// terminal, a screenshot in a ticket).
const (
	glyphUp      = "●"
	glyphDown    = "▼"
	glyphPending = "○"
	glyphPaused  = "‖"
	markLost     = "✕"
	markOutlier  = "▲" // a reply above the sparkline's scale
	markCursor   = ">"
)

func glyph(s monitor.State) string {
	switch s {
	case monitor.Up:
		return glyphUp
	case monitor.Down:
		return glyphDown
	case monitor.Paused:
		return glyphPaused
	}
	return glyphPending
}

// Styles is every style of the UI, built once by DefaultStyles. View code
// picks styles by meaning and never names a colour.
type Styles struct {
	Title    lipgloss.Style // "downtime" in the header
	Up       lipgloss.Style // up count, "telegram: ok"
	Down     lipgloss.Style // down count, failing alerts
	Paused   lipgloss.Style
	Pending  lipgloss.Style
	Warn     lipgloss.Style // queued alerts, notices
	Faint    lipgloss.Style // secondary text: column heads, config file, clock
	Heading  lipgloss.Style // section titles of the detail view
	Error    lipgloss.Style // a failed command, a rejected target
	Info     lipgloss.Style // a command that worked
	Prompt   lipgloss.Style // text input prompts
	Key      lipgloss.Style // keys in help
	KeyDesc  lipgloss.Style // what a key does
	Selected lipgloss.Style // the selected row's cursor in the compact list

	// rows holds the precomputed paints of a table row by state and
	// selection, so drawing a row concatenates strings and builds no style.
	rows [4][2]rowPaint
	// chart paints the detail view's latency chart.
	chartBar, chartLost, chartAxis paint
	// chartSpread and chartLossSome paint the history chart (chart.go).
	chartSpread, chartLossSome paint
}

// rowPaint is how one kind of row is drawn, cell by cell.
type rowPaint struct {
	gap     paint // spaces between cells (they carry the selection's reverse)
	cursor  paint
	glyph   paint
	name    paint
	dim     paint // address, pause note
	num     paint // LAST, AVG, LOSS
	bar     paint // sparkline bars
	lost    paint // ✕ in the sparkline
	outlier paint // ▲ in the sparkline: a reply above the scale
	timer   paint
}

// paint is a style reduced to the escape sequences around its text, which
// is all a table cell needs; with the ASCII profile both are empty.
type paint struct{ pre, post string }

func newPaint(s lipgloss.Style) paint {
	out := s.Render("M")
	i := strings.IndexByte(out, 'M')
	if i < 0 {
		return paint{}
	}
	return paint{pre: out[:i], post: out[i+1:]}
}

// put writes s painted into b.
func (p paint) put(b *strings.Builder, s string) {
	if s == "" {
		return
	}
	b.WriteString(p.pre)
	b.WriteString(s)
	b.WriteString(p.post)
}

// putFit writes s painted into b at exactly w cells: cut with an
// ellipsis, or padded (on the left when right is set), without building
// an intermediate string.
func (p paint) putFit(b *strings.Builder, s string, w int, right bool) {
	if w <= 0 {
		return
	}
	n := width(s)
	if n > w {
		s = ansi.Truncate(s, w, "…")
		n = width(s)
	}
	b.WriteString(p.pre)
	if right {
		b.WriteString(spaces(w - n))
	}
	b.WriteString(s)
	if !right {
		b.WriteString(spaces(w - n))
	}
	b.WriteString(p.post)
}

// DefaultStyles builds the styles on r (lipgloss.DefaultRenderer() when
// nil). With noColor the styles use attributes only (bold, faint, reverse),
// as NO_COLOR asks: glyphs and bold then carry the meaning.
func DefaultStyles(r *lipgloss.Renderer, noColor bool) Styles {
	if r == nil {
		r = lipgloss.DefaultRenderer()
	}
	fg := func(s lipgloss.Style, c lipgloss.Color) lipgloss.Style {
		if noColor {
			return s
		}
		return s.Foreground(c)
	}
	base := r.NewStyle()
	st := Styles{
		Title:    base.Bold(true),
		Up:       fg(base, colorUp),
		Down:     fg(base.Bold(true), colorDown),
		Paused:   fg(base, colorPaused),
		Pending:  fg(base, colorPending),
		Warn:     fg(base, colorWarn),
		Faint:    base.Faint(true),
		Heading:  base.Bold(true),
		Error:    fg(base.Bold(true), colorDown),
		Info:     fg(base, colorAccent),
		Prompt:   fg(base.Bold(true), colorAccent),
		Key:      base.Bold(true),
		KeyDesc:  base.Faint(true),
		Selected: base.Reverse(true),
	}

	stateColor := map[monitor.State]lipgloss.Color{
		monitor.Pending: colorPending, monitor.Up: colorUp,
		monitor.Down: colorDown, monitor.Paused: colorPaused,
	}
	for _, state := range []monitor.State{monitor.Pending, monitor.Up, monitor.Down, monitor.Paused} {
		for sel := range 2 {
			s := base
			if sel == 1 {
				s = s.Reverse(true)
			}
			text := s
			switch state {
			case monitor.Down:
				text = text.Bold(true) // a DOWN row stands out without colour
			case monitor.Paused:
				text = text.Faint(true)
			}
			rp := rowPaint{
				gap:     newPaint(s),
				cursor:  newPaint(s.Bold(true)),
				glyph:   newPaint(fg(s.Bold(state == monitor.Down), stateColor[state])),
				name:    newPaint(text),
				dim:     newPaint(text.Faint(state != monitor.Down)),
				num:     newPaint(text),
				bar:     newPaint(text),
				lost:    newPaint(fg(s, colorDown)),
				outlier: newPaint(fg(s, colorWarn)),
				timer:   newPaint(text),
			}
			if state == monitor.Down {
				rp.timer = newPaint(fg(text, colorDown))
			}
			st.rows[state][sel] = rp
		}
	}
	st.chartBar = newPaint(fg(base, colorAccent))
	st.chartLost = newPaint(fg(base.Bold(true), colorDown))
	st.chartAxis = newPaint(base.Faint(true))
	st.chartSpread = newPaint(base.Faint(true))
	st.chartLossSome = newPaint(fg(base, colorWarn))
	return st
}

// row returns the paints of a row of a host in state s.
func (st *Styles) row(s monitor.State, selected bool) *rowPaint {
	i := 0
	if selected {
		i = 1
	}
	if int(s) >= len(st.rows) {
		s = monitor.Pending
	}
	return &st.rows[s][i]
}

// stateStyle is the style of a state's glyph and count in the header.
func (st *Styles) stateStyle(s monitor.State) lipgloss.Style {
	switch s {
	case monitor.Up:
		return st.Up
	case monitor.Down:
		return st.Down
	case monitor.Paused:
		return st.Paused
	}
	return st.Pending
}
