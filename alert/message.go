package alert

import (
	"fmt"
	"html"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// MaxMessageLen is Telegram's limit on a message's text: 4096 characters
// after entity parsing, counted in UTF-16 code units. We count the HTML
// source, which is never shorter, so a part that fits here fits there.
const MaxMessageLen = 4096

// maxListed caps the names listed under a parent's line; a storm behind a
// core switch names the rest by count.
const maxListed = 100

// compactAfter is how many hosts of one kind a message lists one line each;
// past it they share one line of names, so that a storm of thousands stays
// a handful of messages rather than a hundred.
const compactAfter = 20

// The message texts are the README's (Telegram alerts). Every name and address is
// escaped: messages go out with parse_mode HTML.

// FormatOutage renders a duration as HH:MM:SS; hours may pass 24.
func FormatOutage(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	s := int64(d.Round(time.Second) / time.Second)
	return fmt.Sprintf("%02d:%02d:%02d", s/3600, s/60%60, s%60)
}

// esc escapes s for parse_mode HTML.
func esc(s string) string { return html.EscapeString(s) }

// stamp is a full UTC time: "2026-11-26 21:04:05 UTC".
func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05") + " UTC" }

// clock is a UTC time of day: "21:04:05".
func clock(t time.Time) string { return t.UTC().Format("15:04:05") }

// label is "name (address)", or the name alone when it is the address.
func label(name, addr string) string {
	if addr == "" || addr == name {
		return esc(name)
	}
	return esc(name) + " (" + esc(addr) + ")"
}

// downText: 🔴 core-sw1 (198.18.0.1) is DOWN since 2026-11-26 21:04:05 UTC
func downText(name, addr string, since time.Time) string {
	return "🔴 " + label(name, addr) + " is DOWN since " + stamp(since)
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

// names lists hosts, escaped, at most maxListed of them.
func names(hosts []string) string {
	n := len(hosts)
	if n > maxListed {
		hosts = hosts[:maxListed]
	}
	parts := make([]string, len(hosts))
	for i, h := range hosts {
		parts[i] = esc(h)
	}
	s := strings.Join(parts, ", ")
	if n > maxListed {
		s += fmt.Sprintf(" and %d more", n-maxListed)
	}
	return s
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
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
// lines, each in the order their news came. Past compactAfter plain lines
// of one kind, those share one line. A message longer than MaxMessageLen
// becomes several, cut between lines.
func render(downs, reminders, ups []*line, now time.Time) []Message {
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
	units = append(units, compact(downs)...)
	units = append(units, compact(reminders)...)
	units = append(units, compact(ups)...)
	return pack(units, now)
}

// compact merges the plain lines of one kind into one when there are more
// than compactAfter of them.
func compact(ls []*line) []*line {
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
	m := &line{kind: plain[0].kind}
	items := make([]string, len(plain))
	earliest := plain[0].since
	for i, l := range plain {
		m.hosts = append(m.hosts, l.hosts...)
		switch l.kind {
		case "down":
			items[i] = esc(l.name)
			if l.since.Before(earliest) {
				earliest = l.since
			}
		case "reminder":
			items[i] = esc(l.name) + " for " + FormatOutage(l.dur)
			if l.last {
				items[i] += " (last reminder)"
			}
		case "up":
			items[i] = esc(l.name) + " after " + FormatOutage(l.dur)
		}
	}
	switch m.kind {
	case "down":
		m.text = fmt.Sprintf("🔴 %d hosts are DOWN since %s: %s", len(plain), stamp(earliest), strings.Join(items, ", "))
	case "reminder":
		m.text = fmt.Sprintf("🔴 %d hosts are still down: %s", len(plain), strings.Join(items, ", "))
	case "up":
		m.text = fmt.Sprintf("🟢 %d hosts are UP again: %s", len(plain), strings.Join(items, ", "))
	}
	return append([]*line{m}, other...)
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
	limit := MaxMessageLen - partMark
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
