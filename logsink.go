package main

import (
	"log/slog"
	"time"

	"downtime/monitor"
)

// setupTransitionLog writes every transition to the log (see
// transitionLogger).
func (a *app) setupTransitionLog() error {
	a.onTransition(transitionLogger(a.log))
	return nil
}

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
			if p := t.Path; p != nil {
				attrs = append(attrs, "path_ends", p.Addr, "hop", p.Hop)
				if p.Local {
					attrs = append(attrs, "path_ends_here", true)
				}
				if p.UsedTo > 0 {
					attrs = append(attrs, "used_to_reach", p.UsedTo)
				}
			}
			log.Warn("host down", attrs...)
		case t.To == monitor.Up:
			log.Info("host up", "host", t.Host, "address", t.Address, resolvedAttr(t), "since", since, "outage", monitor.FormatOutage(t.Outage()))
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
