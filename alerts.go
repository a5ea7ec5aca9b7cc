package main

import (
	"context"
	"errors"
	"time"

	"downtime/alert"
	"downtime/config"
	"downtime/metrics"
	"downtime/monitor"
)

// botCheckTimeout bounds the getMe made at start-up to say early whether
// Telegram takes the token; it delays nothing else.
const botCheckTimeout = 15 * time.Second

// setupAlerts builds the alert dispatcher and plugs it in: it sees every
// transition (queued at once, never waiting on Telegram or the UI) and runs
// as a service. Alerts go to Telegram when [telegram] has a token and a
// chat_id, else to the log. The outbox and the alert state live in the
// state file (in memory with --no-state). A Telegram that cannot be
// reached at start-up stops nothing: the messages wait in the outbox.
func (a *app) setupAlerts() error {
	cfg := a.cfg
	if path, bad := cfg.TokenFileWorldReadable(); bad {
		a.log.Warn("the file holding the telegram token is readable by other users", "file", path, "fix", "chmod 600 "+path)
	}
	if cfg.TokenConflict() {
		a.log.Warn("telegram token set twice: the config file's is used", "token", cfg.TokenSource())
	}
	opts := alert.Options{
		GroupWindow: cfg.Alerts.GroupWindow,
		Hosts:       cfg.Hosts,
		Reminders:   defaultReminders(cfg),
		Log:         a.log,
		Location:    cfg.Alerts.Location,
		Maintenance: cfg.Maintenance,
	}
	if opts.Location == nil {
		opts.Location = time.Local
	}
	var tg *alert.Telegram
	if cfg.Telegram.Enabled() {
		tg = alert.NewTelegram(cfg.Telegram, nil)
		if cfg.Chat.Commands {
			tg.WithButtons() // chat.go reads the presses
		}
		if err := tg.Validate(); err != nil {
			return &config.Error{File: cfg.Path, Key: "telegram", Msg: err.Error(), Err: err}
		}
		opts.Notifier = tg
	} else {
		a.log.Info("telegram off: alerts are written to this log", "why", telegramOffReason(cfg.Telegram))
	}
	if a.store != nil {
		opts.Store = alertStore{Store: a.store, state: &a.state}
		open, err := openOutages(a)
		if err != nil {
			return err
		}
		opts.Open = open
		opts.OutageEnd = func(host string, start time.Time) (time.Time, bool) {
			end, ok, err := a.store.OutageEnd(host, start)
			if err != nil {
				a.log.Error("outage history not read", "host", host, "err", err)
			}
			return end, ok
		}
	}
	d, err := alert.New(opts)
	if err != nil {
		return err
	}
	a.alerts = d
	a.onTransition(d.Transition)
	a.addService(d.Run)
	if tg != nil {
		a.telegram = tg
		a.addService(func(ctx context.Context) error {
			checkBot(ctx, a, tg)
			return nil
		})
	}
	return nil
}

// openOutages lists the outages the monitor starts with open, by host:
// the restored ones and those paused while down.
func openOutages(a *app) (map[string]time.Time, error) {
	saved, err := a.store.Hosts()
	if err != nil {
		return nil, err
	}
	open := make(map[string]time.Time)
	for name, s := range saved {
		if s.State == monitor.Down && !s.DownSince.IsZero() {
			open[name] = s.DownSince
		}
	}
	return open, nil
}

// defaultReminders is the reminder list of the hosts the config does not
// list: those added at runtime in the UI get the start's defaults, as
// config.NewHost gives them (the UI builds them from the start's config).
func defaultReminders(cfg *config.Config) func(string) []time.Duration {
	defaults := cfg.Defaults.Reminders
	return func(string) []time.Duration { return defaults }
}

// checkBot asks Telegram once who the bot is, to say at start-up rather
// than at the first outage that the token is refused or the Bot API
// unreachable. It never holds anything up.
func checkBot(ctx context.Context, a *app, tg *alert.Telegram) {
	ctx, cancel := context.WithTimeout(ctx, botCheckTimeout)
	defer cancel()
	me, err := tg.Me(ctx)
	if shuttingDown := ctx.Err() != nil && errors.Is(context.Cause(ctx), context.Canceled); !shuttingDown {
		a.alerts.Checked(err) // the UI's header says it at once, not at the first alert
	}
	switch {
	case err == nil:
		a.log.Info("telegram ready", "bot", "@"+me.UserName, "chat_id", tg.ChatID())
	case ctx.Err() != nil && errors.Is(context.Cause(ctx), context.Canceled):
		// Shutting down.
	case errors.Is(err, alert.ErrRefused):
		a.log.Error("telegram refuses the bot", "err", err.Error(), "fix", "check [telegram] token, then run: downtime telegram test -c CONFIG")
	default:
		a.log.Warn("telegram not reachable yet: alerts wait in the outbox", "err", err.Error(), "api_url", tg.APIURL())
	}
}

// telegramOffReason says why alerts do not go to Telegram.
func telegramOffReason(t config.Telegram) string {
	switch {
	case t.Token == "" && t.ChatID == "":
		return "no [telegram] token and chat_id"
	case t.Token == "":
		return "no token (set token, token_file or " + config.EnvToken + ")"
	}
	return `no chat_id ("downtime telegram chat-id" lists the chats that wrote to the bot)`
}

// alertStats feeds the downtime_alerts_* metrics; nil before setupAlerts.
func (a *app) alertStats() metrics.AlertStats {
	if a.alerts == nil {
		return nil
	}
	return a.alerts
}
