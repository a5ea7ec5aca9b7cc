package config

import (
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"downtime/probe"
)

// Describe prints the resolved hosts as a table, then the totals and the
// state of alerts, for "downtime check-config". It never prints the token.
func (c *Config) Describe(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tADDRESS\tKIND\tINTERVAL\tTIMEOUT\tDOWN_AFTER\tUP_AFTER\tPARENT")
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
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%d\t%s\n", h.Name, h.Address, kind,
			fmtDuration(h.Interval), fmtDuration(h.Timeout), h.DownAfter, h.UpAfter, parent)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	plural := "s"
	if len(c.Hosts) == 1 {
		plural = ""
	}
	_, err := fmt.Fprintf(w, "\n%d host%s (%d icmp, %d tcp)\ntelegram: %s\nreminders: %s\nmetrics: %s\nheartbeat: %s\n",
		len(c.Hosts), plural, icmp, tcp, c.telegramState(), c.remindersState(), orOff(c.Metrics.Listen), c.heartbeatState())
	return err
}

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
	parts := make([]string, len(c.Defaults.Reminders))
	for i, d := range c.Defaults.Reminders {
		parts[i] = fmtDuration(d)
	}
	return strings.Join(parts, " ") + ", group window " + fmtDuration(c.Alerts.GroupWindow)
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
