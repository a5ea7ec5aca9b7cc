package config

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// typeName says what kind of TOML value v is, for messages.
func typeName(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case int64, float64:
		return "a number"
	case bool:
		return "true/false"
	case []any, []map[string]any:
		return "a list"
	case map[string]any:
		return "a table"
	default:
		return "a date"
	}
}

// str reads a string value. It never echoes the value, which may be a token.
func (l *loader) str(f field, v any) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", l.errorf(f, "%s must be a string in double quotes, not %s", f.name, typeName(v))
	}
	return s, nil
}

// duration reads a Go duration string ("1s", "10m", "1h30m").
func (l *loader) duration(f field, v any) (time.Duration, error) {
	what := f.name
	if f.elem {
		what += ":"
	}
	switch x := v.(type) {
	case string:
		d, err := time.ParseDuration(x)
		if err != nil {
			return 0, l.errorf(f, `%s %q is not a duration (use Go durations like "10m", "1h30m", "500ms")`, what, x)
		}
		return d, nil
	case int64:
		if f.elem {
			return 0, l.errorf(f, `%s %d needs a unit and quotes (e.g. "%dm")`, what, x, x)
		}
		return 0, l.errorf(f, `%s = %d needs a unit and quotes (e.g. %s = "%ds")`, what, x, f.name, x)
	default:
		return 0, l.errorf(f, `%s must be a duration in quotes like "10s", not %s`, what, typeName(v))
	}
}

// positive reads a duration that must be longer than zero.
func (l *loader) positive(f field, v any) (time.Duration, error) {
	d, err := l.duration(f, v)
	if err == nil && d <= 0 {
		err = l.errorf(f, `%s must be longer than 0 (e.g. %s = "1s")`, f.name, f.name)
	}
	return d, err
}

// MinProbeDuration is the shortest interval and timeout: below it the
// scheduler would spend its time waking up and nothing else.
const MinProbeDuration = 10 * time.Millisecond

// probeDuration reads an interval or a timeout: at least MinProbeDuration.
func (l *loader) probeDuration(f field, v any) (time.Duration, error) {
	d, err := l.positive(f, v)
	if err == nil && d < MinProbeDuration {
		err = l.errorf(f, `%s = %q is too short: the shortest is %s (e.g. %s = "1s")`, f.name, fmtDuration(d), fmtDuration(MinProbeDuration), f.name)
	}
	return d, err
}

// count reads a whole number of at least 1.
func (l *loader) count(f field, v any) (int, error) {
	switch x := v.(type) {
	case int64:
		if x < 1 {
			return 0, l.errorf(f, "%s = %d must be at least 1", f.name, x)
		}
		if x > 1_000_000 {
			return 0, l.errorf(f, "%s = %d is too large (at most 1000000)", f.name, x)
		}
		return int(x), nil
	case string:
		if isDigits(x) {
			return 0, l.errorf(f, "%s must be a number without quotes (write %s = %s)", f.name, f.name, x)
		}
	case float64:
		return 0, l.errorf(f, "%s must be a whole number, like %s = 3", f.name, f.name)
	}
	return 0, l.errorf(f, "%s must be a whole number, not %s", f.name, typeName(v))
}

// reminders reads a list of increasing positive durations.
func (l *loader) reminders(f field, v any) ([]time.Duration, error) {
	list, ok := v.([]any)
	if !ok {
		return nil, l.errorf(f, `%s must be a list like ["10m", "30m", "1h"], not %s`, f.name, typeName(v))
	}
	out := make([]time.Duration, 0, len(list))
	for i, e := range list {
		ef := f
		ef.path += "." + strconv.Itoa(i)
		ef.elem = true
		d, err := l.duration(ef, e)
		if err != nil {
			return nil, err
		}
		if d <= 0 {
			return nil, l.errorf(ef, "%s: %q must be longer than 0", f.name, e)
		}
		out = append(out, d)
	}
	for i := 1; i < len(out); i++ {
		if out[i] > out[i-1] {
			continue
		}
		ef := f
		ef.path += "." + strconv.Itoa(i)
		fixed := slices.Compact(slices.Sorted(slices.Values(out)))
		if out[i] == out[i-1] {
			return nil, l.errorf(ef, "%s: %q is listed twice (write %s = %s)", f.name, list[i], f.name, fmtDurations(fixed))
		}
		return nil, l.errorf(ef, "%s must be in increasing order: %q comes after %q (write %s = %s)", f.name, list[i], list[i-1], f.name, fmtDurations(fixed))
	}
	return out, nil
}

// timing applies the timing keys of r (from [defaults] or a [[host]]) over
// base; inherited names where base comes from, for messages.
func (l *loader) timing(r rawTiming, base Defaults, inherited string, fieldFor func(key string) field) (Defaults, error) {
	d := base
	d.Reminders = slices.Clone(base.Reminders)
	var err error
	if r.Interval != nil {
		if d.Interval, err = l.probeDuration(fieldFor("interval"), r.Interval); err != nil {
			return d, err
		}
	}
	if r.Timeout != nil {
		if d.Timeout, err = l.probeDuration(fieldFor("timeout"), r.Timeout); err != nil {
			return d, err
		}
	}
	if r.DownAfter != nil {
		if d.DownAfter, err = l.count(fieldFor("down_after"), r.DownAfter); err != nil {
			return d, err
		}
	}
	if r.UpAfter != nil {
		if d.UpAfter, err = l.count(fieldFor("up_after"), r.UpAfter); err != nil {
			return d, err
		}
	}
	if r.Reminders != nil {
		if d.Reminders, err = l.reminders(fieldFor("reminders"), r.Reminders); err != nil {
			return d, err
		}
	}
	if d.Timeout > d.Interval {
		f := fieldFor("")
		var from []string
		switch {
		case r.Timeout != nil:
			f = fieldFor("timeout")
		case r.Interval != nil:
			f = fieldFor("interval")
		}
		if r.Timeout == nil {
			from = append(from, "timeout is "+inherited)
		}
		if r.Interval == nil {
			from = append(from, "interval is "+inherited)
		}
		from = append(from, "make timeout at most the interval")
		return d, l.errorf(f, "timeout %s is longer than interval %s (%s)",
			fmtDuration(d.Timeout), fmtDuration(d.Interval), strings.Join(from, "; "))
	}
	return d, nil
}

// host resolves the i-th [[host]] over the defaults d.
func (l *loader) host(i int, r rawHost, d Defaults) (Host, error) {
	prefix := hostLabel(i, r) + ": "
	fieldFor := func(key string) field {
		return field{path: join(fmt.Sprintf("host.%d", i), key), key: join("host", key), name: key, prefix: prefix}
	}
	if r.Address == nil {
		return Host{}, l.errorf(fieldFor(""), `address is missing (every [[host]] needs address = "IP, DNS name or tcp://host:port")`)
	}
	addr, err := l.str(fieldFor("address"), r.Address)
	if err != nil {
		return Host{}, err
	}
	addr = strings.TrimSpace(addr)
	if addr == "" {
		return Host{}, l.errorf(fieldFor("address"), `address is empty (write an IP, a DNS name or tcp://host:port)`)
	}
	t, err := ParseTarget(addr)
	if err != nil {
		return Host{}, l.errorf(fieldFor("address"), "address %v", err)
	}
	h := Host{Name: t.String(), Address: addr, Target: t, Origin: OriginConfig, fileIndex: i + 1}
	if r.Name != nil {
		if h.Name, err = l.str(fieldFor("name"), r.Name); err != nil {
			return Host{}, err
		}
		if h.Name == "" {
			return Host{}, l.errorf(fieldFor("name"), "name is empty (remove the line to name the host by its address)")
		}
		if err := checkName(h.Name); err != nil {
			return Host{}, l.errorf(fieldFor("name"), "%v", err)
		}
	}
	prefix = fmt.Sprintf("host %q: ", h.Name)
	if r.Parent != nil {
		if h.Parent, err = l.str(fieldFor("parent"), r.Parent); err != nil {
			return Host{}, err
		}
	}
	timing, err := l.timing(r.rawTiming, d, "from [defaults]", fieldFor)
	if err != nil {
		return Host{}, err
	}
	h.Interval, h.Timeout = timing.Interval, timing.Timeout
	h.DownAfter, h.UpAfter = timing.DownAfter, timing.UpAfter
	h.Reminders = timing.Reminders
	return h, nil
}

// telegram resolves [telegram], including where the token comes from.
func (l *loader) telegram(r rawTelegram, c *Config, getenv func(string) string) error {
	f := func(key string) field { return sectionField("telegram", key) }
	var token, tokenFile string
	var err error
	if r.Token != nil {
		if token, err = l.str(f("token"), r.Token); err != nil {
			return err
		}
	}
	if r.TokenFile != nil {
		if tokenFile, err = l.str(f("token_file"), r.TokenFile); err != nil {
			return err
		}
	}
	token = strings.TrimSpace(token)
	switch {
	case token != "" && tokenFile != "":
		return l.errorf(f("token_file"), "token and token_file are both set (keep one of them)")
	case token != "":
		if strings.ContainsAny(token, " \t\r\n") {
			return l.errorf(f("token"), "token contains spaces (value not shown; paste it exactly as @BotFather gave it)")
		}
		c.Telegram.Token = token
		c.tokenInConfig = true
	case tokenFile != "":
		p := tokenFile
		if !filepath.IsAbs(p) {
			p = filepath.Join(filepath.Dir(l.file), p) // relative to the config, not the working directory
		}
		b, err := readRegular(p, MaxTokenFileSize)
		if errors.Is(err, errNotRegular) || errors.Is(err, errTooLarge) {
			e := l.errorf(f("token_file"), "token_file %q cannot be used: %v (it must be a regular file holding only the bot token)", tokenFile, err)
			e.Err = err
			return e
		}
		if err != nil {
			e := l.errorf(f("token_file"), "token_file %q cannot be read: %s (the path is relative to the config file; the user running downtime must be able to read it)", tokenFile, osErrText(err))
			e.Err = err
			return e
		}
		t := strings.TrimSpace(string(b))
		if t == "" {
			return l.errorf(f("token_file"), "token_file %q is empty (put the bot token from @BotFather in it)", tokenFile)
		}
		if strings.ContainsAny(t, " \t\r\n") {
			return l.errorf(f("token_file"), "token_file %q holds more than the token (contents not shown; it must hold only the bot token)", tokenFile)
		}
		c.Telegram.Token, c.Telegram.TokenFile = t, p
	default:
		c.Telegram.Token = strings.TrimSpace(getenv(EnvToken))
	}
	c.envTokenUnused = (token != "" || tokenFile != "") && strings.TrimSpace(getenv(EnvToken)) != ""

	switch x := r.ChatID.(type) {
	case nil:
	case int64:
		c.Telegram.ChatID = strconv.FormatInt(x, 10)
	case string:
		if err := checkChatID(x); err != nil {
			return l.errorf(f("chat_id"), "%v", err)
		}
		c.Telegram.ChatID = x
	default:
		return l.errorf(f("chat_id"), `chat_id must be a number or "@channelname", not %s`, typeName(x))
	}

	if r.APIURL != nil {
		u, err := l.str(f("api_url"), r.APIURL)
		if err != nil {
			return err
		}
		if u != "" {
			if err := checkHTTPURL(u); err != nil {
				return l.errorf(f("api_url"), `api_url %q %v (e.g. "http://127.0.0.1:8081"; leave it empty for %s)`, RedactURL(u), err, DefaultAPIURL)
			}
			c.Telegram.APIURL = strings.TrimRight(u, "/")
		}
	}
	return l.telegramCommands(r, c)
}

func (l *loader) alerts(r rawAlerts, c *Config) error {
	if err := l.timezone(r.Timezone, c); err != nil {
		return err
	}
	if r.GroupWindow == nil {
		return nil
	}
	f := sectionField("alerts", "group_window")
	d, err := l.duration(f, r.GroupWindow)
	if err != nil {
		return err
	}
	if d < 0 {
		return l.errorf(f, `group_window must not be negative ("0s" sends each transition on its own)`)
	}
	c.Alerts.GroupWindow = d
	return nil
}

// timezone reads [alerts] timezone, an IANA zone name for the times in
// messages; empty keeps the machine's.
func (l *loader) timezone(v any, c *Config) error {
	if v == nil {
		return nil
	}
	f := sectionField("alerts", "timezone")
	s, err := l.str(f, v)
	if err != nil || s == "" {
		return err
	}
	loc, err := time.LoadLocation(s)
	if err != nil || strings.EqualFold(s, "local") {
		return l.errorf(f, `timezone %q is not a time zone this machine knows: use an IANA name such as "Europe/Berlin" or "UTC", or leave it empty for the machine's`, s)
	}
	c.Alerts.Timezone, c.Alerts.Location = s, loc
	return nil
}

func (l *loader) metrics(r rawMetrics, c *Config) error {
	if r.Listen == nil {
		return nil
	}
	f := sectionField("metrics", "listen")
	s, err := l.str(f, r.Listen)
	if err != nil {
		return err
	}
	if s != "" {
		if err := checkListen(s); err != nil {
			return l.errorf(f, `listen %q is not host:port: %v (e.g. "127.0.0.1:9115", or ":9115" for every interface; empty turns metrics off)`, s, err)
		}
	}
	c.Metrics.Listen = s
	return nil
}

func (l *loader) heartbeat(r rawHeartbeat, c *Config) error {
	var err error
	if r.URL != nil {
		f := sectionField("heartbeat", "url")
		if c.Heartbeat.URL, err = l.str(f, r.URL); err != nil {
			return err
		}
		if c.Heartbeat.URL != "" {
			if err := checkHTTPURL(c.Heartbeat.URL); err != nil {
				return l.errorf(f, `url %q %v (e.g. "https://hc-ping.com/<uuid>"; empty turns the heartbeat off)`, c.Heartbeat.URL, err)
			}
		}
	}
	if r.Interval != nil {
		if c.Heartbeat.Interval, err = l.positive(sectionField("heartbeat", "interval"), r.Interval); err != nil {
			return err
		}
	}
	return nil
}
