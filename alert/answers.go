package alert

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"downtime/monitor"
)

// parseMuteDuration reads "30m", "2h", "1d" (days too), at most 30 days.
func parseMuteDuration(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if days, ok := strings.CutSuffix(s, "d"); ok && err != nil {
		n, perr := strconv.Atoi(days)
		d, err = time.Duration(n)*24*time.Hour, perr
	}
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%q is not a duration: write it like 30m, 2h or 1d", s)
	}
	if d > maxMute {
		return 0, fmt.Errorf("%s is too long: at most 30d", s)
	}
	return d, nil
}

// who names a Telegram user for answers and the log: "Ann (@ann)".
func who(u *tgbotapi.User) string {
	if u == nil {
		return "someone"
	}
	name := strings.TrimSpace(u.FirstName + " " + u.LastName)
	if name == "" {
		name = strconv.FormatInt(u.ID, 10)
	}
	if u.UserName != "" {
		name += " (@" + u.UserName + ")"
	}
	return name
}

// hhmm is a UTC time of day without seconds: "21:07".
func hhmm(t time.Time, loc *time.Location) string { return t.In(loc).Format("15:04") }

// hhmmZone is hhmm with the zone's name: "21:04 UTC".
func hhmmZone(t time.Time, loc *time.Location) string { return t.In(loc).Format("15:04 MST") }

// statusText is /status: the counts, then every host down, longest outage
// first, folded to one message with "and N more".
func statusText(snap monitor.Snapshot, sil Silences, now time.Time, loc *time.Location) string {
	var up, down, paused, muted int
	var downs []*monitor.HostView
	for _, h := range snap.Hosts {
		switch h.State {
		case monitor.Up:
			up++
		case monitor.Down:
			down++
			downs = append(downs, h)
		case monitor.Paused:
			paused++
		}
		if _, ok := sil.Muted(h.Name); ok {
			muted++
		}
	}
	sort.SliceStable(downs, func(i, j int) bool { return downs[i].DownSince.Before(downs[j].DownSince) })
	head := fmt.Sprintf("<b>%d up · %d down · %d paused · %d muted</b>", up, down, paused, muted)
	if m, ok := sil.Muted(""); ok && m.Host == MuteAll {
		head += "\n🔕 all hosts muted until " + hhmmZone(m.Until, loc) + " by " + esc(m.By)
	}
	if down == 0 {
		return head + "\nNothing is down."
	}
	lines := make([]string, len(downs))
	for i, h := range downs {
		l := "🔴 " + label(h.Name, h.Address) + " down " + FormatOutage(now.Sub(h.DownSince))
		if a, ok := sil.Acked(h.Name); ok {
			l += " · ✔ " + esc(a.By)
		}
		if m, ok := sil.Muted(h.Name); ok && m.Host != MuteAll {
			l += " · 🔕 until " + hhmm(m.Until, loc)
		}
		lines[i] = l
	}
	return foldToFit(head, lines, MaxMessageLen)
}

// foldToFit joins head and as many lines as fit in limit (UTF-16 units), the
// rest named by count: "… and 12 more".
func foldToFit(head string, lines []string, limit int) string {
	out := head
	for i, l := range lines {
		rest := len(lines) - i - 1
		tail := ""
		if rest > 0 {
			tail = fmt.Sprintf("\n… and %d more", rest)
		}
		if utf16Len(out+"\n"+l+tail) > limit {
			return out + fmt.Sprintf("\n… and %d more", len(lines)-i)
		}
		out += "\n" + l
	}
	return out
}
