package alert

import (
	"fmt"
	"html"
	"sort"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"downtime/monitor"
)

// MaxMessageLen is Telegram's limit on a message's text: 4096 characters
// after entity parsing, counted in UTF-16 code units. We count the HTML
// source, which is never shorter, so a part that fits here fits there.
const MaxMessageLen = 4096

// maxListed caps the names listed under a parent's line; a storm behind a
// core switch names the rest by count.
const maxListed = 100

// compactAfter is how many hosts of one kind a message lists one line each;
// past it they fold into a line per thing they share (an age, an outage
// length), so that a storm reads on a phone and a storm of thousands stays
// a handful of messages rather than a hundred.
const compactAfter = 3

// The message texts are the README's (Telegram alerts). Every name and address is
// escaped: messages go out with parse_mode HTML.

// FormatOutage is monitor.FormatOutage, the one formatter of outage
// lengths (HH:MM:SS, truncated to the second); kept for callers of the
// alert package.
func FormatOutage(d time.Duration) string { return monitor.FormatOutage(d) }

// esc escapes s for parse_mode HTML.
func esc(s string) string { return html.EscapeString(s) }

// stamp is a full time in loc: "2026-11-26 21:04:05 UTC".
func stamp(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("2006-01-02 15:04:05 MST")
}

// clock is a time of day in loc: "21:04:05".
func clock(t time.Time, loc *time.Location) string { return t.In(loc).Format("15:04:05") }

// stampSpan is the span from a to b (a ≤ b) in loc: one stamp when they
// fall in the same second, "2026-11-26 21:04:05–21:04:07 UTC" within a
// day, two full stamps otherwise.
func stampSpan(a, b time.Time, loc *time.Location) string {
	a, b = a.In(loc), b.In(loc)
	switch {
	case a.Truncate(time.Second).Equal(b.Truncate(time.Second)):
		return stamp(a, loc)
	case a.YearDay() == b.YearDay() && a.Year() == b.Year():
		return a.Format("2006-01-02 15:04:05") + "–" + b.Format("15:04:05 MST")
	}
	return stamp(a, loc) + " – " + stamp(b, loc)
}

// label is "name (address)", or the name alone when it is the address.
func label(name, addr string) string {
	if addr == "" || addr == name {
		return esc(name)
	}
	return esc(name) + " (" + esc(addr) + ")"
}

// downText: 🔴 core-sw1 (198.18.0.1) is DOWN since 2026-11-26 21:04:05 UTC
// (first lost probe). The outage starts when the first probe of the run
// that made the host DOWN was sent, and the text says which instant it is.
func downText(name, addr string, since time.Time, loc *time.Location) string {
	return "🔴 " + label(name, addr) + " is DOWN since " + stamp(since, loc) + " (first lost probe)"
}

// whyLines are the lines under a DOWN that say why the probes failed and
// where the path to the host ends: "└ why: prohibited by 198.18.0.6",
// "└ path ends at hop 2: 198.18.0.6 (it used to reach hop 3)".
func whyLines(reason, path string) []string {
	var ls []string
	if reason != "" {
		ls = append(ls, "└ why: "+esc(reason))
	}
	if path != "" {
		ls = append(ls, "└ "+esc(path))
	}
	return ls
}

// reminderText: 🔴 core-sw1 has been down for 00:10:00, and on the last
// reminder the promise of silence.
func reminderText(name string, age time.Duration, last bool) string {
	s := "🔴 " + esc(name) + " has been down for " + FormatOutage(age)
	if last {
		s += " (last reminder: no more until it recovers)"
	}
	return s
}

// upText: 🟢 core-sw1 is UP after 00:12:34
func upText(name string, outage time.Duration) string {
	return "🟢 " + esc(name) + " is UP after " + FormatOutage(outage)
}

// utf16Len is the length of s in UTF-16 code units, as Telegram counts.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
		if r == utf8.RuneError {
			n++ // never less than what Telegram will see
		}
	}
	return n
}

// split cuts text into parts of at most limit UTF-16 code units: at line
// ends where it can, else at a space, else anywhere but inside an HTML
// entity or a character. The messages have no tags (only escaped text), so
// every part is valid HTML on its own.
func split(text string, limit int) []string {
	if utf16Len(text) <= limit {
		return []string{text}
	}
	var parts []string
	var cur strings.Builder
	curLen := 0
	flush := func() {
		if s := strings.TrimRight(cur.String(), "\n"); s != "" {
			parts = append(parts, s)
		}
		cur.Reset()
		curLen = 0
	}
	for _, line := range strings.SplitAfter(text, "\n") {
		n := utf16Len(line)
		if curLen+n <= limit {
			cur.WriteString(line)
			curLen += n
			continue
		}
		flush()
		for _, piece := range splitLine(line, limit) {
			if curLen+utf16Len(piece) > limit {
				flush()
			}
			cur.WriteString(piece)
			curLen += utf16Len(piece)
		}
	}
	flush()
	return parts
}

// splitLine cuts one line longer than limit, preferring spaces.
func splitLine(line string, limit int) []string {
	var pieces []string
	for utf16Len(line) > limit {
		cut, n, lastSpace := 0, 0, -1
		inEntity := false
		for i, r := range line {
			w := utf16.RuneLen(r)
			if w < 0 {
				w = 2
			}
			if n+w > limit {
				break
			}
			n += w
			switch {
			case r == '&':
				inEntity = true
			case r == ';':
				inEntity = false
			}
			if !inEntity {
				cut = i + utf8.RuneLen(r)
				if r == ' ' {
					lastSpace = cut
				}
			}
		}
		if lastSpace > 0 {
			cut = lastSpace
		}
		if cut == 0 { // cannot happen with limit ≥ the longest entity
			cut = len(line)
		}
		pieces = append(pieces, line[:cut])
		line = line[cut:]
	}
	if line != "" {
		pieces = append(pieces, line)
	}
	return pieces
}

// plainText turns a message's HTML into plain text (the log, and a resend
// without parse_mode when Telegram cannot parse it).
func plainText(s string) string { return html.UnescapeString(s) }

// render turns a window's lines into messages: a summary first when more
// than one host is named, then the DOWN lines, the reminders and the UP
// lines, each kind sorted by host name (naturally: storm-2 before
// storm-10). Past compactAfter plain lines of one kind, those fold into
// one line per thing they share (see compact). A message longer than the
// room a message has becomes several, cut between lines.
func render(downs, reminders, ups []*line, now time.Time, loc *time.Location) []Message {
	if len(downs)+len(reminders)+len(ups) == 0 {
		return nil
	}
	count := func(ls []*line) int {
		n := 0
		for _, l := range ls {
			n += len(l.hosts) - l.still
		}
		return n
	}
	// The hosts an UP line names as still down count as still down: the
	// summary is what a notification shows, and "2 UP" must not hide one.
	nd, nr, nu := count(downs), count(reminders), count(ups)
	for _, l := range ups {
		nr += l.still
	}
	var units []*line
	if nd+nr+nu > 1 {
		var parts []string
		if nd > 0 {
			parts = append(parts, fmt.Sprintf("🔴 %d DOWN", nd))
		}
		if nr > 0 {
			parts = append(parts, fmt.Sprintf("🔴 %d still down", nr))
		}
		if nu > 0 {
			parts = append(parts, fmt.Sprintf("🟢 %d UP", nu))
		}
		units = append(units, &line{text: strings.Join(parts, " · ")})
	}
	units = append(units, compact(downs, loc)...)
	units = append(units, compact(reminders, loc)...)
	units = append(units, compact(ups, loc)...)
	return pack(units, now)
}

// compact sorts the lines of one kind by host name and, when more than
// compactAfter of them are plain, folds the plain ones on what they share:
// the DOWNs into one line (with the span of their first lost probes), the
// reminders into one line per age ("30 hosts still down for 00:10:00:
// storm-01 … storm-30"), the UPs into one line per outage length, or one
// line with the range of lengths when they differ more than a few ways.
// Lines that tell more (a flap, hosts behind a parent) stay as they are,
// after the folded ones.
func compact(ls []*line, loc *time.Location) []*line {
	sort.SliceStable(ls, func(i, j int) bool { return naturalLess(ls[i].name, ls[j].name) })
	var plain, other []*line
	for _, l := range ls {
		if l.plain {
			plain = append(plain, l)
		} else {
			other = append(other, l)
		}
	}
	if len(plain) <= compactAfter {
		return ls
	}
	var folded []*line
	switch plain[0].kind {
	case "down":
		first, last := plain[0].since, plain[0].since
		for _, l := range plain {
			if l.since.Before(first) {
				first = l.since
			}
			if l.since.After(last) {
				last = l.since
			}
		}
		what := "first lost probe"
		if !first.Truncate(time.Second).Equal(last.Truncate(time.Second)) {
			what = "first lost probes"
		}
		folded = append(folded, fold("down", plain, fmt.Sprintf("🔴 %d hosts are DOWN since %s (%s): ", len(plain), stampSpan(first, last, loc), what)))
	case "reminder":
		for _, g := range groupLines(plain, func(l *line) string { return FormatOutage(l.dur) + fmt.Sprint(l.last) }) {
			if len(g) == 1 {
				folded = append(folded, g[0])
				continue
			}
			head := fmt.Sprintf("🔴 %d hosts still down for %s", len(g), FormatOutage(g[0].dur))
			if g[0].last {
				head += " (last reminder: no more until they recover)"
			}
			folded = append(folded, fold("reminder", g, head+": "))
		}
	case "up":
		groups := groupLines(plain, func(l *line) string { return FormatOutage(l.dur) })
		if len(groups) > maxUpGroups {
			lo, hi := groups[0][0].dur, groups[len(groups)-1][0].dur
			folded = append(folded, fold("up", plain, fmt.Sprintf("🟢 %d hosts are UP again, after %s to %s: ", len(plain), FormatOutage(lo), FormatOutage(hi))))
			break
		}
		for _, g := range groups {
			if len(g) == 1 {
				folded = append(folded, g[0])
				continue
			}
			folded = append(folded, fold("up", g, fmt.Sprintf("🟢 %d hosts are UP after %s: ", len(g), FormatOutage(g[0].dur))))
		}
	}
	return append(folded, other...)
}

// maxUpGroups is how many lines of UPs with different outage lengths a
// storm's recovery gets before they share one line with the range.
const maxUpGroups = 3

// fold makes one line of kind naming every host of ls after head.
func fold(kind string, ls []*line, head string) *line {
	m := &line{kind: kind}
	for _, l := range ls {
		m.hosts = append(m.hosts, l.hosts...)
	}
	m.text = head + names(m.hosts)
	return m
}

// groupLines groups ls by key, the groups in order of their shortest
// duration (ages and outage lengths read upwards), each group in the order
// of ls.
func groupLines(ls []*line, key func(*line) string) [][]*line {
	idx := map[string]int{}
	var groups [][]*line
	for _, l := range ls {
		k := key(l)
		i, ok := idx[k]
		if !ok {
			i = len(groups)
			idx[k] = i
			groups = append(groups, nil)
		}
		groups[i] = append(groups[i], l)
	}
	sort.SliceStable(groups, func(i, j int) bool { return groups[i][0].dur < groups[j][0].dur })
	return groups
}

// partMark leaves room for "(2/3) " at the head of a part.
const partMark = 16

// pack cuts units into messages of at most MaxMessageLen, between units
// where it can.
func pack(units []*line, now time.Time) []Message {
	type part struct {
		text  strings.Builder
		n     int
		kinds map[string]bool
		hosts []string
	}
	limit := maxText - partMark // room for the notes the outbox adds when it sends
	var parts []*part
	cur := &part{kinds: map[string]bool{}}
	add := func(text string, l *line, hosts []string) {
		n := utf16Len(text) + 1
		if cur.n > 0 && cur.n+n > limit {
			parts = append(parts, cur)
			cur = &part{kinds: map[string]bool{}}
		}
		if cur.n > 0 {
			cur.text.WriteByte('\n')
		}
		cur.text.WriteString(text)
		cur.n += n
		if l.kind != "" {
			cur.kinds[l.kind] = true
		}
		cur.hosts = append(cur.hosts, hosts...)
	}
	for _, l := range units {
		text := strings.Join(append([]string{l.text}, l.more...), "\n")
		if room := limit - cur.n - 1; cur.n > 0 && utf16Len(text) > limit && room >= limit/4 {
			// A unit cut anyway starts in the room the part has left,
			// rather than leaving the summary alone in a part.
			first := split(text, room)[0]
			add(first, l, l.hosts)
			text = strings.TrimPrefix(text[len(first):], "\n")
			l = &line{kind: l.kind}
		}
		pieces := split(text, limit)
		for i, piece := range pieces {
			hosts := l.hosts
			if i > 0 {
				hosts = nil
			}
			add(piece, l, hosts)
		}
	}
	parts = append(parts, cur)

	msgs := make([]Message, 0, len(parts))
	for i, p := range parts {
		text := p.text.String()
		if len(parts) > 1 {
			text = fmt.Sprintf("(%d/%d) %s", i+1, len(parts), text)
		}
		var kinds []string
		for _, k := range []string{"down", "reminder", "up"} {
			if p.kinds[k] {
				kinds = append(kinds, k)
			}
		}
		msgs = append(msgs, Message{Made: now, Kind: strings.Join(kinds, ","), Hosts: dedupe(p.hosts), Text: text})
	}
	return msgs
}

func dedupe(ss []string) []string {
	seen := make(map[string]bool, len(ss))
	out := ss[:0:0]
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
