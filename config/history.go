package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// History is the [history] section: how long latency and loss are kept.
type History struct {
	KeepMinutes time.Duration // per-minute rows; default 48h
	KeepHours   time.Duration // hourly roll-ups; default 400 days
}

// DefaultHistory is [history] when the file says nothing.
var DefaultHistory = History{KeepMinutes: 48 * time.Hour, KeepHours: 400 * 24 * time.Hour}

type rawHistory struct {
	KeepMinutes any `toml:"keep_minutes"`
	KeepHours   any `toml:"keep_hours"`
}

// history resolves [history]. Minutes are rolled up into hours once their
// hour has ended, so keep_minutes of at least an hour loses nothing; hours
// must outlive minutes or the charts would have a hole.
func (l *loader) history(r rawHistory, c *Config) error {
	for _, k := range []struct {
		key string
		v   any
		dst *time.Duration
		min time.Duration
	}{
		{"keep_minutes", r.KeepMinutes, &c.History.KeepMinutes, time.Hour},
		{"keep_hours", r.KeepHours, &c.History.KeepHours, 24 * time.Hour},
	} {
		if k.v == nil {
			continue
		}
		f := sectionField("history", k.key)
		s, ok := k.v.(string)
		if !ok {
			return l.errorf(f, `%s must be a duration in quotes like "48h" or "400d", not %s`, k.key, typeName(k.v))
		}
		d, err := ParseSpan(s)
		if err != nil {
			return l.errorf(f, `%s %q is not a duration (use "48h", "30d", "400d")`, k.key, s)
		}
		if d < k.min {
			return l.errorf(f, `%s = %q is too short (at least %s)`, k.key, s, fmtDuration(k.min))
		}
		*k.dst = d
	}
	if c.History.KeepHours < c.History.KeepMinutes {
		return l.errorf(sectionField("history", "keep_hours"), `keep_hours (%s) must be at least keep_minutes (%s): hours are what is left once minutes are pruned`,
			fmtSpan(c.History.KeepHours), fmtSpan(c.History.KeepMinutes))
	}
	return nil
}

// ParseSpan reads a Go duration that may also count days: "400d", "7d12h",
// "48h", "90m".
func ParseSpan(s string) (time.Duration, error) {
	t := strings.TrimSpace(s)
	var days time.Duration
	if i := strings.IndexByte(t, 'd'); i >= 0 {
		n, err := strconv.Atoi(t[:i])
		if err != nil || n < 0 || n > 100_000 {
			return 0, fmt.Errorf("invalid duration %q", s)
		}
		days, t = time.Duration(n)*24*time.Hour, t[i+1:]
		if t == "" {
			return days, nil
		}
	}
	d, err := time.ParseDuration(t)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("invalid duration %q", s)
	}
	return days + d, nil
}

// fmtSpan writes a duration in whole days when it is some.
func fmtSpan(d time.Duration) string {
	if d >= 24*time.Hour && d%(24*time.Hour) == 0 {
		return strconv.Itoa(int(d/(24*time.Hour))) + "d"
	}
	return fmtDuration(d)
}
