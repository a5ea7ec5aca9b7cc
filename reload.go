package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"reflect"
	"slices"
	"strings"

	"downtime/config"
	"downtime/monitor"
	"downtime/probe"
)

// setupReload makes each SIGHUP on a.hup reload the config (see
// app.reload); with no a.hup (the UI) it does nothing. main catches the
// signal from its first instruction, so a SIGHUP that comes before the
// monitor runs waits for it instead of killing the process.
func (a *app) setupReload() error {
	hup := a.hup
	if hup == nil {
		return nil
	}
	a.addService(func(ctx context.Context) error {
		for {
			select {
			case <-ctx.Done():
				return nil
			case <-hup:
				a.reloadCtx(ctx)
			}
		}
	})
	return nil
}

// reload reads the config again with the options of the start (config
// file, targets, target files; '-f -' reuses what stdin gave then) and
// applies its hosts: added ones are probed, removed ones dropped, changed
// ones take their new settings (the alert path's reminders and parents
// too), and the others keep their state, statistics and running outages
// (see monitor.Monitor.Reload). Hosts added at runtime stay. An invalid
// config changes nothing: the error is logged and returned, and the
// running config goes on.
//
// Settings outside the host list (metrics, heartbeat, telegram, alerts,
// history) need a restart; a reload that changes them says so.
//
// SIGHUP calls it; the UI's reload key may call it too, from any goroutine.
func (a *app) reload() (monitor.ReloadResult, error) { return a.reloadCtx(context.Background()) }

// reloadCtx is reload that gives up when ctx ends (a target file on a FIFO
// that nobody writes must not hold up the shutdown).
func (a *app) reloadCtx(ctx context.Context) (monitor.ReloadResult, error) {
	// SIGHUP and the UI's r key may overlap: one reload at a time keeps the
	// monitor and the alert path on the same host set.
	a.reloadMu.Lock()
	defer a.reloadMu.Unlock()
	cfg, res, err := a.reloadHosts(ctx)
	if err != nil {
		a.log.Error("reload failed", "err", err)
		return res, err
	}
	a.log.Info("config reloaded", "added", len(res.Added), "removed", len(res.Removed), "changed", len(res.Changed))
	if s := a.needsRestart(cfg); len(s) > 0 {
		a.log.Warn("config change needs a restart", "sections", strings.Join(s, " "))
	}
	return res, nil
}

// reloadHosts loads the config and hands its hosts to the monitor.
func (a *app) reloadHosts(ctx context.Context) (*config.Config, monitor.ReloadResult, error) {
	cfg, err := loadConfigCtx(ctx, a.opts, a.opts.stdinAgain())
	if err != nil {
		return nil, monitor.ReloadResult{}, err
	}
	if len(cfg.Hosts) == 0 {
		// As at start-up: with no host named anywhere (runtime hosts
		// included), watch this machine.
		snap, err := a.runner.Snapshot(ctx)
		if err != nil {
			return nil, monitor.ReloadResult{}, err
		}
		if !slices.ContainsFunc(snap.Hosts, func(v *monitor.HostView) bool { return v.Origin == config.OriginRuntime }) {
			if err := addDefaultTargets(cfg); err != nil {
				return nil, monitor.ReloadResult{}, err
			}
		}
	}
	if needsICMP(cfg.Hosts) && a.engine.Mode() == probe.SocketNone {
		return nil, monitor.ReloadResult{}, errors.New("the new config has ICMP hosts, but downtime started with tcp:// targets only and has no ICMP socket: restart it to probe them")
	}
	res, err := a.runner.Reload(ctx, cfg.Hosts)
	if err == nil && a.alerts != nil {
		// The alert path reads each host's reminders and parent from the
		// config: it takes the new ones in order with the transitions.
		a.alerts.SetHosts(cfg.Hosts)
	}
	return cfg, res, err
}

// needsRestart names the sections whose change a reload does not apply.
func (a *app) needsRestart(cfg *config.Config) []string {
	var s []string
	if a.opts.metrics == "" && cfg.Metrics != a.cfg.Metrics {
		s = append(s, "[metrics]")
	}
	if cfg.Heartbeat != a.cfg.Heartbeat {
		s = append(s, "[heartbeat]")
	}
	if cfg.Telegram != a.cfg.Telegram {
		s = append(s, "[telegram]")
	}
	if cfg.Alerts != a.cfg.Alerts {
		s = append(s, "[alerts]")
	}
	if !reflect.DeepEqual(cfg.Chat, a.cfg.Chat) && !slices.Contains(s, "[telegram]") {
		s = append(s, "[telegram]") // commands, allowed_users
	}
	if !reflect.DeepEqual(cfg.Maintenance, a.cfg.Maintenance) {
		s = append(s, "[[maintenance]]")
	}
	if cfg.History != a.cfg.History {
		s = append(s, "[history]")
	}
	return s
}

// keepStdin returns stdin for the first loadConfig, keeping a copy of what
// it reads ('-f -') so that a reload sees the same targets.
func (o *options) keepStdin(stdin io.Reader) io.Reader {
	o.stdinCopy = new(bytes.Buffer)
	return io.TeeReader(stdin, o.stdinCopy)
}

// stdinAgain replays what the first loadConfig read from stdin.
func (o *options) stdinAgain() io.Reader {
	if o.stdinCopy == nil {
		return strings.NewReader("")
	}
	return bytes.NewReader(o.stdinCopy.Bytes())
}
