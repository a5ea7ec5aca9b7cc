package config

import (
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"downtime/probe"
)

// Describe prints the resolved hosts as a table, then the totals and the
// state of alerts, for "downtime check-config". It never prints the token.
func (c *Config) Describe(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tADDRESS\tKIND\tINTERVAL\tTIMEOUT\tDOWN_AFTER\tUP_AFTER\tPARENT\tREMINDERS")
	var icmp, tcp int
	for _, h := range c.Hosts {
		kind := "icmp"
		if h.Target.Kind == probe.KindTCP {
			kind = "tcp"
			tcp++
		} else {
			icmp++
		}
		parent := h.Parent
		if parent == "" {
			parent = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%d\t%s\t%s\n", h.Name, h.Address, kind,
			fmtDuration(h.Interval), fmtDuration(h.Timeout), h.DownAfter, h.UpAfter, parent, fmtReminders(h.Reminders))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	plural := "s"
	if len(c.Hosts) == 1 {
		plural = ""
	}
	fmt.Fprintf(w, "\n%d host%s (%d icmp, %d tcp)\n", len(c.Hosts), plural, icmp, tcp)
	if c.watchingDefaults() {
		fmt.Fprintln(w, "no target was given: a run watches this machine (name hosts as arguments, with -f FILE or in -c CONFIG)")
	}
	fmt.Fprintf(w, "telegram: %s\n", c.telegramState())
	if src := c.TokenSource(); src != "" {
		fmt.Fprintf(w, "token: %s\n", src)
	}
	_, err := fmt.Fprintf(w, "reminders: %s\nmetrics: %s\nheartbeat: %s\n",
		c.remindersState(), orOff(c.Metrics.Listen), c.heartbeatState())
	return err
}

func (c *Config) watchingDefaults() bool {
	for _, h := range c.Hosts {
		if h.Origin == OriginDefault {
			return true
		}
	}
	return false
}

// TokenSource says where the bot token came from, and when
// DOWNTIME_TELEGRAM_TOKEN was set as well, that it was not used: the
// config file's token or token_file comes first. "" when there is no token.
func (c *Config) TokenSource() string {
	var s string
	switch {
	case c.Telegram.Token == "":
		return ""
	case c.Telegram.TokenFile != "":
		s = "from token_file " + c.Telegram.TokenFile
	case c.tokenInConfig:
		s = "from token in " + c.Path
	default:
		return "from " + EnvToken
	}
	if c.envTokenUnused {
		s += " (" + EnvToken + " is also set and is not used: the config file comes first)"
	}
	return s
}

// TokenConflict reports whether more than one source held a token, so the
// one used is worth saying (TokenSource).
func (c *Config) TokenConflict() bool { return c.envTokenUnused }

// telegramState says whether alerts go out, and if not why, without the token.
func (c *Config) telegramState() string {
	t := c.Telegram
	switch {
	case t.Enabled():
		s := "on, chat_id " + t.ChatID
		if t.APIURL != DefaultAPIURL {
			s += ", api_url " + RedactURL(t.APIURL)
		}
		return s
	case t.Token == "" && t.ChatID == "":
		return "off (no token or chat_id)"
	case t.Token == "":
		return "off (no token: set token, token_file or " + EnvToken + ")"
	}
	return `off (no chat_id; "downtime telegram chat-id" lists the chats that wrote to the bot)`
}

func (c *Config) remindersState() string {
	if len(c.Defaults.Reminders) == 0 {
		return "none"
	}
	return strings.ReplaceAll(fmtReminders(c.Defaults.Reminders), ",", " ") + ", group window " + fmtDuration(c.Alerts.GroupWindow)
}

// fmtReminders lists a reminder schedule in one word ("10m,30m,1h"), "none"
// when it is empty.
func fmtReminders(ds []time.Duration) string {
	if len(ds) == 0 {
		return "none"
	}
	parts := make([]string, len(ds))
	for i, d := range ds {
		parts[i] = fmtDuration(d)
	}
	return strings.Join(parts, ",")
}

func (c *Config) heartbeatState() string {
	if c.Heartbeat.URL == "" {
		return "off"
	}
	return "every " + fmtDuration(c.Heartbeat.Interval) + " to " + redactURL(c.Heartbeat.URL)
}

// redactURL hides the path of a heartbeat URL, which is often its secret
// (hc-ping.com/<uuid>).
func redactURL(s string) string {
	scheme, rest, _ := strings.Cut(s, "://")
	host, path, _ := strings.Cut(rest, "/")
	if path == "" {
		return s
	}
	return scheme + "://" + host + "/…"
}

func orOff(s string) string {
	if s == "" {
		return "off"
	}
	return s
}

// TokenFileWorldReadable reports the file holding the bot token (token_file,
// or the config file when the token is written in it) when its group or
// others may read it. path is "" when the token is in neither.
func (c *Config) TokenFileWorldReadable() (path string, bad bool) {
	switch {
	case c.Telegram.TokenFile != "":
		path = c.Telegram.TokenFile
	case c.tokenInConfig && c.Path != "":
		path = c.Path
	default:
		return "", false
	}
	fi, err := os.Stat(path)
	if err != nil {
		return path, false
	}
	return path, fi.Mode().Perm()&0o044 != 0
}
