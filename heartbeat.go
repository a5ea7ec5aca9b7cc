package main

import (
	"context"

	"downtime/heartbeat"
)

// setupHeartbeat requests [heartbeat] url every interval while the monitor
// runs; without a url it does nothing. A beat goes out only when the
// monitor answers a snapshot request, so a wedged monitor falls as silent
// as a dead machine.
func (a *app) setupHeartbeat() error {
	hb := a.cfg.Heartbeat
	if hb.URL == "" {
		return nil
	}
	a.log.Info("heartbeat on", "every", hb.Interval.String())
	a.addService(func(ctx context.Context) error {
		return heartbeat.Run(ctx, heartbeat.Options{
			URL:      hb.URL,
			Interval: hb.Interval,
			Check: func(ctx context.Context) error {
				_, err := a.runner.Snapshot(ctx)
				return err
			},
			UserAgent: "downtime/" + version,
			Log:       a.log,
		})
	})
	return nil
}
