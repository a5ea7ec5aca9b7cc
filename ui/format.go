package ui

import (
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"

	"downtime/monitor"
)

// none stands for a value that does not exist (no reply, no sample).
const none = "–"

// formatRTT renders a round-trip time in at most 6 cells: "25µs", "420µs",
// "4.2ms", "123ms", "1.23s"; 0 (no reply) is "–".
func formatRTT(d time.Duration) string {
	switch {
	case d <= 0:
		return none
	case d < time.Millisecond:
		return strconv.FormatInt(d.Microseconds(), 10) + "µs"
	case d < 10*time.Millisecond:
		return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 1, 64) + "ms"
	case d < time.Second:
		return strconv.FormatInt(d.Milliseconds(), 10) + "ms"
	case d < 100*time.Second:
		return strconv.FormatFloat(d.Seconds(), 'f', 2, 64) + "s"
	}
	return strconv.FormatInt(int64(d/time.Second), 10) + "s"
}

// formatLoss renders a loss fraction as "0%" … "100%"; a host with no
// sample yet has no loss to show. A loss that rounds to 0% but is not 0 is
// shown as "<1%", so a lost probe never disappears in the rounding.
func formatLoss(loss float64, sent int) string {
	if sent == 0 {
		return none
	}
	pct := loss * 100
	if pct > 0 && pct < 0.5 {
		return "<1%"
	}
	return strconv.Itoa(int(pct+0.5)) + "%"
}

// formatClock renders an outage length as HH:MM:SS; hours may pass 24. It
// is monitor.FormatOutage, the one formatter the alerts and the log use too.
func formatClock(d time.Duration) string { return monitor.FormatOutage(d) }

// formatAge renders how long a host has been up: HH:MM:SS under a day,
// "3d 04:10" after.
func formatAge(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	if d < 24*time.Hour {
		return formatClock(d)
	}
	s := int64(d / time.Second)
	var b [24]byte
	out := strconv.AppendInt(b[:0], s/86400, 10)
	out = append(out, "d "...)
	out = appendPad2(out, s/3600%24)
	out = append(out, ':')
	out = appendPad2(out, s/60%60)
	return string(out)
}

func appendPad2(b []byte, n int64) []byte {
	if n < 10 {
		b = append(b, '0')
	}
	return strconv.AppendInt(b, n, 10)
}

// formatPct renders an uptime fraction: "100%", "99.98%", "–" when unknown.
func formatPct(f float64, ok bool) string {
	switch {
	case !ok:
		return none
	case f >= 1:
		return "100%"
	case f <= 0:
		return "0%"
	}
	// Never round an imperfect uptime up to 100%.
	s := strconv.FormatFloat(float64(int64(f*10000))/100, 'f', 2, 64)
	return s + "%"
}

// formatStamp renders a moment for the outage history and pauses: the time
// alone when it is on the day of now, else with the date.
func formatStamp(t, now time.Time) string {
	y1, m1, d1 := t.Date()
	y2, m2, d2 := now.Date()
	if y1 == y2 && m1 == m2 && d1 == d2 {
		return t.Format("15:04:05")
	}
	return t.Format("2006-01-02 15:04:05")
}

// width is the number of terminal cells s takes, escape sequences aside;
// plain ASCII is counted fast.
func width(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf || s[i] == ansi.ESC {
			return ansi.StringWidth(s)
		}
	}
	return len(s)
}

// fit truncates s to w cells with an ellipsis, or pads it with spaces to
// exactly w cells.
func fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	n := width(s)
	switch {
	case n == w:
		return s
	case n < w:
		return s + spaces(w-n)
	}
	return ansi.Truncate(s, w, "…")
}

// fitRight is fit with the text aligned to the right.
func fitRight(s string, w int) string {
	if w <= 0 {
		return ""
	}
	n := width(s)
	switch {
	case n == w:
		return s
	case n < w:
		return spaces(w-n) + s
	}
	return ansi.Truncate(s, w, "…")
}

// blank is a run of spaces for padding, shared so that padding a row does
// not allocate.
var blank = strings.Repeat(" ", 512)

func spaces(n int) string {
	if n <= 0 {
		return ""
	}
	if n <= len(blank) {
		return blank[:n]
	}
	return strings.Repeat(" ", n)
}

// containsFold reports whether sub is in s, ignoring case (ASCII and the
// simple Unicode folds that keep byte lengths).
func containsFold(s, sub string) bool {
	if sub == "" {
		return true
	}
	for i := 0; i+len(sub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}

// compareFold orders two strings ignoring case, without allocating.
func compareFold(a, b string) int {
	for a != "" && b != "" {
		ra, na := utf8.DecodeRuneInString(a)
		rb, nb := utf8.DecodeRuneInString(b)
		la, lb := lower(ra), lower(rb)
		if la != lb {
			if la < lb {
				return -1
			}
			return 1
		}
		a, b = a[na:], b[nb:]
	}
	switch {
	case a == "" && b == "":
		return 0
	case a == "":
		return -1
	}
	return 1
}

func lower(r rune) rune {
	if r >= 'A' && r <= 'Z' {
		return r + 'a' - 'A'
	}
	if r < utf8.RuneSelf {
		return r
	}
	return unicode.ToLower(r)
}

// flow wraps text at spaces into lines of at most w cells, each starting
// with indent; a word longer than a line is cut.
func flow(text string, w int, indent string) []string {
	room := w - width(indent)
	switch {
	case room < 1:
		return []string{fit(indent+text, w)}
	case width(text) <= room:
		return []string{indent + text} // as written, spacing kept
	}
	var lines []string
	line := ""
	for _, word := range strings.Fields(text) {
		switch {
		case line == "":
			line = word
		case width(line)+1+width(word) <= room:
			line += " " + word
		default:
			lines = append(lines, indent+fit(line, min(room, width(line))))
			line = word
		}
	}
	return append(lines, indent+fit(line, min(room, width(line))))
}

// flowPath breaks a path (which has no spaces to wrap at) into lines of at
// most w cells, so all of it can be read and copied.
func flowPath(path string, w int, indent string) []string {
	room := max(1, w-width(indent))
	var lines []string
	for r := []rune(path); len(r) > 0; {
		n := min(room, len(r))
		lines = append(lines, indent+string(r[:n]))
		r = r[n:]
	}
	return lines
}

// flowItems lays items out like words, sep between them on a line, so a
// line of figures wraps between two figures, never inside one.
func flowItems(items []string, w int, indent, sep string) []string {
	room := w - width(indent)
	var lines []string
	line := ""
	for _, it := range items {
		switch {
		case line == "":
			line = it
		case width(line)+width(sep)+width(it) <= room:
			line += sep + it
		default:
			lines = append(lines, fit(indent+line, w))
			line = it
		}
	}
	return append(lines, fit(indent+line, w))
}
