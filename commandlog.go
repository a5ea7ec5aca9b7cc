package main

import (
	"context"
	"log/slog"

	"downtime/config"
	"downtime/monitor"
	"downtime/probe"
	"downtime/ui"
)

// commandLog logs each command a person gives the monitor once it is done,
// so the log says who paused, resumed, added or removed what, and when (the
// line's time): msg="host paused" host=web-01 by=tui.
type commandLog struct {
	next ui.Commands
	log  *slog.Logger
	by   string
	// lookup names a host by ID, asked before the command runs.
	lookup func(ctx context.Context, id probe.HostID) (name, address string)
}

var _ ui.Commands = (*commandLog)(nil)

// logCommands wraps the runner's commands for the UI.
func logCommands(r *monitor.Runner, log *slog.Logger, by string) *commandLog {
	return &commandLog{next: r, log: log, by: by, lookup: func(ctx context.Context, id probe.HostID) (string, string) {
		s, err := r.Snapshot(ctx)
		if err != nil {
			return "", ""
		}
		for _, v := range s.Hosts {
			if v.ID == id {
				return v.Name, v.Address
			}
		}
		return "", ""
	}}
}

func (c *commandLog) one(ctx context.Context, id probe.HostID, msg string, do func() error) error {
	name, address := c.lookup(ctx, id)
	if err := do(); err != nil {
		return err
	}
	c.log.Info(msg, "host", name, "address", address, "by", c.by)
	return nil
}

// Pause pauses a host and logs it.
func (c *commandLog) Pause(ctx context.Context, id probe.HostID) error {
	return c.one(ctx, id, "host paused", func() error { return c.next.Pause(ctx, id) })
}

// Resume resumes a host and logs it.
func (c *commandLog) Resume(ctx context.Context, id probe.HostID) error {
	return c.one(ctx, id, "host resumed", func() error { return c.next.Resume(ctx, id) })
}

// Remove removes a host added at runtime and logs it.
func (c *commandLog) Remove(ctx context.Context, id probe.HostID) error {
	return c.one(ctx, id, "host removed", func() error { return c.next.Remove(ctx, id) })
}

// PauseAll pauses every host and logs it.
func (c *commandLog) PauseAll(ctx context.Context) error {
	if err := c.next.PauseAll(ctx); err != nil {
		return err
	}
	c.log.Info("all hosts paused", "by", c.by)
	return nil
}

// ResumeAll resumes every host and logs it.
func (c *commandLog) ResumeAll(ctx context.Context) error {
	if err := c.next.ResumeAll(ctx); err != nil {
		return err
	}
	c.log.Info("all hosts resumed", "by", c.by)
	return nil
}

// Add adds a host and logs it.
func (c *commandLog) Add(ctx context.Context, h config.Host) (probe.HostID, error) {
	id, err := c.next.Add(ctx, h)
	if err != nil {
		return id, err
	}
	c.log.Info("host added", "host", h.Name, "address", h.Address, "by", c.by)
	return id, nil
}
