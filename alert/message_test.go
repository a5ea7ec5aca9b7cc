package alert

import (
	"strings"
	"testing"
	"time"
)

func TestFormatOutage(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		want string
	}{
		{0, "00:00:00"},
		{-time.Second, "00:00:00"},
		{1499 * time.Millisecond, "00:00:01"},
		{1600 * time.Millisecond, "00:00:01"}, // issue 11 (reading) item 6: truncated, as the UI shows it
		{12*time.Minute + 34*time.Second, "00:12:34"},
		{time.Hour, "01:00:00"},
		{49*time.Hour + 2*time.Minute + 3*time.Second, "49:02:03"}, // hours pass 24
	} {
		if got := FormatOutage(c.d); got != c.want {
			t.Errorf("FormatOutage(%v) = %s, want %s", c.d, got, c.want)
		}
	}
}

func TestTextsOfTheDesign(t *testing.T) {
	since := time.Date(2026, 11, 26, 21, 4, 5, 0, time.FixedZone("CET", 3600)) // 20:04:05 UTC
	for _, c := range []struct{ got, want string }{
		{downText("core-sw1", "198.18.0.1", since, time.UTC), "🔴 core-sw1 (198.18.0.1) is DOWN since 2026-11-26 20:04:05 UTC (first lost probe)"},
		{downText("198.18.0.1", "198.18.0.1", since, time.UTC), "🔴 198.18.0.1 is DOWN since 2026-11-26 20:04:05 UTC (first lost probe)"},
		// Issue 10 item 7: [alerts] timezone gives the zone of the times.
		{downText("core-sw1", "198.18.0.1", since, time.FixedZone("CET", 3600)), "🔴 core-sw1 (198.18.0.1) is DOWN since 2026-11-26 21:04:05 CET (first lost probe)"},
		{reminderText("core-sw1", 10*time.Minute, false), "🔴 core-sw1 has been down for 00:10:00"},
		{reminderText("core-sw1", time.Hour, true), "🔴 core-sw1 has been down for 01:00:00 (last reminder: no more until it recovers)"},
		{upText("core-sw1", 12*time.Minute+34*time.Second), "🟢 core-sw1 is UP after 00:12:34"},
		// Names and addresses are escaped for parse_mode HTML.
		{downText(`<b>&"x"`, "tcp://a:1", since, time.UTC), "🔴 &lt;b&gt;&amp;&#34;x&#34; (tcp://a:1) is DOWN since 2026-11-26 20:04:05 UTC (first lost probe)"},
	} {
		if c.got != c.want {
			t.Errorf("got  %s\nwant %s", c.got, c.want)
		}
	}
}

func TestSplit(t *testing.T) {
	line := strings.Repeat("🔴 host &amp; more ", 10) // emoji: 2 UTF-16 units each
	var lines []string
	for range 100 {
		lines = append(lines, line)
	}
	text := strings.Join(lines, "\n")
	for _, limit := range []int{MaxMessageLen, 1000, 37} {
		parts := split(text, limit)
		if len(parts) < 2 {
			t.Fatalf("limit %d: %d parts", limit, len(parts))
		}
		var joined strings.Builder
		for i, p := range parts {
			if n := utf16Len(p); n > limit {
				t.Errorf("limit %d: part %d is %d units long", limit, i, n)
			}
			// Never cut inside an entity or a character.
			if strings.Count(p, "&") != strings.Count(p, ";") || !strings.HasSuffix(p, ";") && strings.Contains(p[max(0, len(p)-5):], "&") {
				t.Errorf("limit %d: part %d cuts an entity: …%q", limit, i, p[max(0, len(p)-20):])
			}
			if strings.ContainsRune(p, '\uFFFD') {
				t.Errorf("limit %d: part %d cuts a character", limit, i)
			}
			joined.WriteString(p)
		}
		// Nothing is lost but the line ends and spaces at the cuts.
		squash := func(s string) string { return strings.NewReplacer("\n", "", " ", "").Replace(s) }
		if squash(joined.String()) != squash(text) {
			t.Errorf("limit %d: the parts do not add up to the text", limit)
		}
	}
	if p := split("short", MaxMessageLen); len(p) != 1 || p[0] != "short" {
		t.Errorf("split of a short text: %q", p)
	}
	// At line ends when lines fit.
	if p := split("aaaa\nbbbb\ncccc", 10); len(p) != 2 || p[0] != "aaaa\nbbbb" || p[1] != "cccc" {
		t.Errorf("split at lines: %q", p)
	}
}

func TestPackLongMessage(t *testing.T) {
	var downs []*line
	for i := range 300 {
		name := strings.Repeat("x", 40) + string(rune('a'+i%26)) + strings.Repeat("y", i%7)
		downs = append(downs, &line{kind: "down", text: downText(name, "", t0, time.UTC) + " (before that: up)", hosts: []string{name}})
	}
	msgs := render(downs, nil, nil, t0, time.UTC)
	if len(msgs) < 2 {
		t.Fatalf("%d messages for 300 long lines", len(msgs))
	}
	for i, m := range msgs {
		if utf16Len(m.Text) > MaxMessageLen {
			t.Errorf("message %d is %d units long", i, utf16Len(m.Text))
		}
		if m.Kind != "down" || len(m.Hosts) == 0 {
			t.Errorf("message %d: kind %q, %d hosts", i, m.Kind, len(m.Hosts))
		}
		if !strings.HasPrefix(m.Text, "(") {
			t.Errorf("message %d is not numbered: %.20q", i, m.Text)
		}
	}
}
