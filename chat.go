package main

import (
	"context"

	"downtime/alert"
	"downtime/metrics"
	"downtime/monitor"
)

// setupChat reads commands and button presses from the Telegram chat
// ([telegram] commands, on by default): /status, /ack, /mute, /unmute,
// /help, only from chat_id (and allowed_users). It does nothing while
// alerts do not go to Telegram; it runs after setupAlerts.
func (a *app) setupChat() error {
	if a.telegram == nil || !a.cfg.Chat.Commands {
		return nil
	}
	c, err := alert.NewCommander(alert.CommanderOptions{
		Telegram:   a.telegram,
		Dispatcher: a.alerts,
		Allowed:    a.cfg.Chat,
		Log:        a.log,
		Hosts: func(ctx context.Context) (monitor.Snapshot, error) {
			return a.runner.Snapshot(ctx)
		},
	})
	if err != nil {
		return err
	}
	a.chat = c
	a.addService(c.Run)
	return nil
}

// chatStats feeds downtime_host_muted, downtime_outage_acknowledged and
// downtime_telegram_commands_total; nil before setupAlerts.
func (a *app) chatStats() metrics.ChatStats {
	if a.alerts == nil {
		return nil
	}
	return chatStats{a.alerts, a.chat}
}

type chatStats struct {
	d *alert.Dispatcher
	c *alert.Commander // nil when commands are off
}

func (s chatStats) Silenced() func(string) (bool, bool) {
	sil := s.d.Silences()
	return func(host string) (bool, bool) {
		_, muted := sil.Muted(host)
		_, acked := sil.Acked(host)
		return muted, acked
	}
}

func (s chatStats) Commands() []metrics.CommandCount {
	if s.c == nil {
		return nil
	}
	var out []metrics.CommandCount
	for k, n := range s.c.Commands() {
		out = append(out, metrics.CommandCount{Command: k.Command, Result: k.Result, N: n})
	}
	return out
}
