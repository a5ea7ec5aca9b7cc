package config

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// checkChatID accepts what sendMessage takes as chat_id: a numeric id
// (negative for groups and channels) or "@channelname".
func checkChatID(s string) error {
	if s == "" {
		return nil
	}
	if _, err := strconv.ParseInt(s, 10, 64); err == nil {
		return nil
	}
	if name, ok := strings.CutPrefix(s, "@"); ok && name != "" && strings.Trim(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == "" {
		return nil
	}
	return fmt.Errorf(`chat_id %q is neither a numeric id nor "@channelname" (run "downtime telegram chat-id" to find the id)`, s)
}

// checkHTTPURL accepts an absolute http or https URL without query or
// fragment; the callers append paths to it.
func checkHTTPURL(s string) error {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return errors.New("is not a URL")
	case u.Scheme != "http" && u.Scheme != "https":
		return errors.New("must start with http:// or https://")
	case u.Host == "":
		return errors.New("has no host")
	case u.RawQuery != "" || u.Fragment != "":
		return errors.New("must not have a query or fragment")
	}
	return nil
}

// checkListen accepts host:port for a listening socket: the host may be
// empty (every interface), an IP address or a name; the port 1-65535. Names
// are not resolved here.
func checkListen(s string) error {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return errors.New(strings.TrimPrefix(err.Error(), "address "+s+": "))
	}
	if _, err := parsePort(port); err != nil {
		return err
	}
	if host == "" {
		return nil
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return nil
	}
	return checkHostname(host)
}

// fmtDuration renders d the way a user writes it: "1h" rather than
// time.Duration's "1h0m0s".
func fmtDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// fmtDurations renders a reminders list as TOML: ["10m", "30m", "1h"].
func fmtDurations(ds []time.Duration) string {
	parts := make([]string, len(ds))
	for i, d := range ds {
		parts[i] = strconv.Quote(fmtDuration(d))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// RedactedCredentials stands for the user and password of a URL in what
// downtime prints.
const RedactedCredentials = "<credentials>"

// RedactURL returns s with the user and password of a URL
// (http://user:pass@host/) replaced, as the bot token is: api_url and
// heartbeat url are printed in messages and logs.
func RedactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		// Unparsable, yet it may hold credentials: scheme://…@host.
		if i := strings.Index(s, "://"); i >= 0 {
			rest := s[i+3:]
			if end := strings.IndexAny(rest, "/?#"); end >= 0 {
				rest = rest[:end]
			}
			if j := strings.LastIndexByte(rest, '@'); j >= 0 {
				return s[:i+3] + RedactedCredentials + s[i+3+j:]
			}
		}
		return s
	}
	u.User = nil
	return strings.Replace(u.String(), "://", "://"+RedactedCredentials+"@", 1)
}
