package main

import (
	"fmt"
	"log/slog"
	"time"

	"downtime/monitor"
)

// transitionLogger writes one line per transition: "host down", "host
// up", and "host still down" for outages restored from the store at
// start-up.
func transitionLogger(log *slog.Logger) func(monitor.Transition) {
	return func(t monitor.Transition) {
		since := t.DownSince.UTC().Format(time.RFC3339)
		switch {
		case t.Restored:
			log.Info("host still down", "host", t.Host, "address", t.Address, resolvedAttr(t), "since", since)
		case t.To == monitor.Down:
			attrs := []any{"host", t.Host, "address", t.Address, resolvedAttr(t), "since", since}
			if t.Reason != "" {
				attrs = append(attrs, "reason", t.Reason)
			}
			log.Warn("host down", attrs...)
		case t.To == monitor.Up:
			log.Info("host up", "host", t.Host, "address", t.Address, resolvedAttr(t), "since", since, "outage", formatOutage(t.Outage()))
		}
	}
}

// resolvedAttr is what a DNS name resolved to ("resolved=198.18.0.5"),
// nothing for an IP target.
func resolvedAttr(t monitor.Transition) slog.Attr {
	if !t.Resolved.IsValid() {
		return slog.Attr{}
	}
	return slog.String("resolved", t.Resolved.String())
}

// formatOutage renders an outage as HH:MM:SS; hours may pass 24.
func formatOutage(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	s := int64(d.Round(time.Second) / time.Second)
	return fmt.Sprintf("%02d:%02d:%02d", s/3600, s/60%60, s%60)
}
