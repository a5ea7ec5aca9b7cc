package config

import (
	"fmt"
	"io"
	"path"
	"strings"
	"time"
)

// Maintenance is a [[maintenance]] window: planned work on Hosts (names or
// globs such as "web-*"), during which they are muted: no alerts. It is
// either one window (Start, Duration) or a weekly one (Every: a weekday
// and a time of day in Location, Duration).
type Maintenance struct {
	Hosts    []string
	Start    time.Time // one window; zero when weekly
	Weekday  time.Weekday
	At       time.Duration // weekly: time of day
	Weekly   bool
	Duration time.Duration
	Location *time.Location
	Every    string // as written, for messages
}

// rawMaintenance mirrors a [[maintenance]] table.
type rawMaintenance struct {
	Hosts    any `toml:"hosts"`
	Start    any `toml:"start"`
	Every    any `toml:"every"`
	Duration any `toml:"duration"`
	Timezone any `toml:"timezone"`
}

// Matches reports whether the window covers host.
func (m Maintenance) Matches(host string) bool {
	for _, p := range m.Hosts {
		if ok, _ := path.Match(p, host); ok || p == host {
			return true
		}
	}
	return false
}

// Active returns the end of the window that holds now, if one does.
func (m Maintenance) Active(now time.Time) (end time.Time, ok bool) {
	if !m.Weekly {
		end = m.Start.Add(m.Duration)
		return end, !now.Before(m.Start) && now.Before(end)
	}
	// The latest start at or before now; windows are at most a week long.
	start := m.startOnOrBefore(now)
	end = start.Add(m.Duration)
	return end, now.Before(end)
}

// Next returns the first window that starts after now; ok=false when there
// is none (a one-off window in the past, or under way).
func (m Maintenance) Next(now time.Time) (start, end time.Time, ok bool) {
	if !m.Weekly {
		return m.Start, m.Start.Add(m.Duration), m.Start.After(now)
	}
	start = m.startOnOrBefore(now).AddDate(0, 0, 7)
	start = m.at(start) // the same weekday a week on, at the time of day in its zone (DST moves it)
	return start, start.Add(m.Duration), true
}

// startOnOrBefore is the weekly window's latest start at or before now.
func (m Maintenance) startOnOrBefore(now time.Time) time.Time {
	local := now.In(m.Location)
	back := (int(local.Weekday()) - int(m.Weekday) + 7) % 7
	day := local.AddDate(0, 0, -back)
	start := m.at(day)
	if start.After(now) {
		start = m.at(day.AddDate(0, 0, -7))
	}
	return start
}

// at is the window's time of day on day's date, in its zone.
func (m Maintenance) at(day time.Time) time.Time {
	d := day.In(m.Location)
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, m.Location).Add(m.At)
}

// maintenance reads the [[maintenance]] windows; hosts that name no glob
// must be hosts of the file.
func (l *loader) maintenance(raws []rawMaintenance, c *Config) error {
	names := map[string]bool{}
	for _, h := range c.Hosts {
		names[h.Name] = true
	}
	for i, r := range raws {
		prefix := fmt.Sprintf("[[maintenance]] #%d: ", i+1)
		f := func(key string) field {
			return field{path: join(fmt.Sprintf("maintenance.%d", i), key), key: join("maintenance", key), name: key, prefix: prefix}
		}
		m := Maintenance{Location: time.Local}
		list, ok := r.Hosts.([]any)
		if r.Hosts == nil || !ok || len(list) == 0 {
			return l.errorf(f("hosts"), `hosts must list the hosts it covers, by name or glob: hosts = ["web-*", "db1"]`)
		}
		for _, v := range list {
			s, ok := v.(string)
			if !ok || s == "" {
				return l.errorf(f("hosts"), `hosts must be names or globs in double quotes, like ["web-*"]`)
			}
			if _, err := path.Match(s, ""); err != nil {
				return l.errorf(f("hosts"), "%q is not a valid glob (use * and ?, and [] closed)", s)
			}
			if !strings.ContainsAny(s, "*?[") && !names[s] {
				return l.errorf(f("hosts"), "%q is not the name of a [[host]] in this file (check the spelling, or use a glob like %q)", s, s+"*")
			}
			m.Hosts = append(m.Hosts, s)
		}
		if r.Timezone != nil {
			tz, err := l.str(f("timezone"), r.Timezone)
			if err != nil {
				return err
			}
			loc, err := time.LoadLocation(tz)
			if err != nil {
				return l.errorf(f("timezone"), "timezone %q is unknown (an IANA name such as \"Europe/Berlin\" or \"UTC\")", tz)
			}
			m.Location = loc
		}
		if r.Duration == nil {
			return l.errorf(f("duration"), `duration is missing (how long the work lasts, e.g. duration = "2h")`)
		}
		d, err := l.duration(f("duration"), r.Duration)
		if err != nil {
			return err
		}
		m.Duration = d
		switch {
		case r.Start != nil && r.Every != nil:
			return l.errorf(f("every"), "start and every are both set (start is one window, every a weekly one: keep one)")
		case r.Start != nil:
			switch x := r.Start.(type) {
			case time.Time:
				m.Start = x
			case string:
				t, err := time.Parse(time.RFC3339, x)
				if err != nil {
					return l.errorf(f("start"), `start %q is not a time like "2026-12-01T02:00:00Z" (RFC 3339, with its zone)`, x)
				}
				m.Start = t
			default:
				return l.errorf(f("start"), `start must be a time like 2026-12-01T02:00:00Z, not %s`, typeName(x))
			}
		case r.Every != nil:
			s, err := l.str(f("every"), r.Every)
			if err != nil {
				return err
			}
			wd, at, ok := parseEvery(s)
			if !ok {
				return l.errorf(f("every"), `every %q is not a weekday and a time like "Sun 02:00"`, s)
			}
			m.Weekly, m.Weekday, m.At, m.Every = true, wd, at, s
			if d > 7*24*time.Hour {
				return l.errorf(f("duration"), "duration %s is longer than the week between two windows (at most 168h)", fmtDuration(d))
			}
		default:
			return l.errorf(f(""), `a window needs start = "2026-12-01T02:00:00Z" or every = "Sun 02:00"`)
		}
		if d <= 0 {
			return l.errorf(f("duration"), "duration must be more than 0")
		}
		c.Maintenance = append(c.Maintenance, m)
	}
	return nil
}

// parseEvery reads "Sun 02:00" (or "sunday 2:00").
func parseEvery(s string) (time.Weekday, time.Duration, bool) {
	f := strings.Fields(s)
	if len(f) != 2 {
		return 0, 0, false
	}
	day := -1
	for d := time.Sunday; d <= time.Saturday; d++ {
		name := strings.ToLower(d.String())
		if w := strings.ToLower(f[0]); w == name || w == name[:3] {
			day = int(d)
		}
	}
	t, err := time.Parse("15:04", f[1])
	if err != nil {
		if t, err = time.Parse("3:04", f[1]); err != nil {
			return 0, 0, false
		}
	}
	if day < 0 {
		return 0, 0, false
	}
	return time.Weekday(day), time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, true
}

// DescribeMaintenance prints the windows and when each comes next, for
// "downtime check-config".
func (c *Config) DescribeMaintenance(w io.Writer, now time.Time) error {
	for _, m := range c.Maintenance {
		what := "once at " + m.Start.Format("2006-01-02 15:04 MST")
		if m.Weekly {
			what = "every " + m.Every + " " + m.Location.String()
		}
		next := "over"
		if end, ok := m.Active(now); ok {
			next = "under way until " + end.In(locOf(m)).Format("2006-01-02 15:04 MST")
		} else if s, _, ok := m.Next(now); ok {
			next = "next " + s.In(locOf(m)).Format("Mon 2006-01-02 15:04 MST")
		}
		if _, err := fmt.Fprintf(w, "maintenance: %s, %s for %s; %s\n", strings.Join(m.Hosts, " "), what, fmtDuration(m.Duration), next); err != nil {
			return err
		}
	}
	return nil
}

func locOf(m Maintenance) *time.Location {
	if m.Weekly {
		return m.Location
	}
	return m.Start.Location()
}
