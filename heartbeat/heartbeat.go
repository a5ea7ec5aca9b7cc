// Package heartbeat requests a URL on a schedule while the monitor runs, so
// that an external dead-man's switch (healthchecks.io, a Cronitor or Dead
// Man's Snitch URL, a Prometheus pushgateway…) notices when the jump box
// itself goes dark: no request, no heartbeat, an alert from outside.
package heartbeat

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"time"
)

// Options configure Run.
type Options struct {
	URL      string        // requested with GET; 2xx is a success
	Interval time.Duration // between two requests (default 1m)
	// Timeout bounds one request (default 10s, at most Interval).
	Timeout time.Duration
	// Client sends the requests; default an http.Client with Timeout.
	Client *http.Client
	// Check, when set, must succeed before each request: the monitor
	// proves it is alive, so a wedged monitor stops the heartbeat too.
	Check func(ctx context.Context) error
	// UserAgent is sent with each request (default "downtime").
	UserAgent string
	// Log receives failures and recoveries; nil logs nothing.
	Log *slog.Logger
}

// Run requests the URL at once, then every Interval, until ctx ends; it
// returns nil then. A failed request is logged and tried again at the next
// beat, never sooner: the switch on the other side decides when silence is
// an outage.
func Run(ctx context.Context, o Options) error {
	u, err := url.Parse(o.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("heartbeat: url %q: want an http or https URL", redact(o.URL))
	}
	if o.Interval <= 0 {
		o.Interval = time.Minute
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	o.Timeout = min(o.Timeout, o.Interval)
	if o.Client == nil {
		o.Client = &http.Client{Timeout: o.Timeout}
	}
	if o.UserAgent == "" {
		o.UserAgent = "downtime"
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	target := redact(o.URL)

	tick := time.NewTicker(o.Interval)
	defer tick.Stop()
	failing := false
	for {
		err := beat(ctx, o)
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			o.Log.Warn("heartbeat failed", "url", target, "err", err, "retry_in", o.Interval.String())
			failing = true
		case failing:
			o.Log.Info("heartbeat ok again", "url", target)
			failing = false
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// beat checks the monitor, then sends one request.
func beat(ctx context.Context, o Options) error {
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	if o.Check != nil {
		if err := o.Check(ctx); err != nil {
			return fmt.Errorf("monitor not answering, heartbeat withheld: %w", err)
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, o.URL, nil)
	if err != nil {
		return err
	}
	req.Header.Set("User-Agent", o.UserAgent)
	resp, err := o.Client.Do(req)
	if err != nil {
		// *url.Error repeats the whole URL, which may hold a secret
		// (a ping key, a token); keep only what went wrong.
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // lets the connection be reused
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("HTTP %s", resp.Status)
	}
	return nil
}

// redact keeps a URL's scheme and host: its path and query often carry the
// check's secret key.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "(invalid URL)"
	}
	return u.Scheme + "://" + u.Host + "/…"
}
