package main

import (
	"context"
	"time"

	"downtime/alert"
	"downtime/metrics"
	"downtime/monitor"
	"downtime/ui"
)

// setupChat reads commands and button presses from the Telegram chat
// ([telegram] commands, on by default): /status, /ack, /mute, /unmute,
// /help, only from chat_id (and allowed_users).
func setupChat(a *app, tg *alert.Telegram) error {
	if !a.cfg.Chat.Commands {
		return nil
	}
	c, err := alert.NewCommander(alert.CommanderOptions{
		Telegram:   tg,
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

// uiSilencer lets the UI's m and M keys mute through the dispatcher, and
// shows its acks and mutes; nil before setupAlerts.
func (a *app) uiSilencer() ui.Silencer {
	if a.alerts == nil {
		return nil
	}
	return uiSilencer{a.alerts}
}

type uiSilencer struct{ d *alert.Dispatcher }

func (s uiSilencer) Silenced() ui.Silenced {
	sil := s.d.Silences()
	out := ui.Silenced{Acks: make(map[string]ui.Mark, len(sil.Acks))}
	for _, m := range sil.Mutes {
		out.Mutes = append(out.Mutes, ui.Mark{Host: m.Host, By: m.By, At: m.At, Until: m.Until})
	}
	for _, k := range sil.Acks {
		out.Acks[k.Host] = ui.Mark{Host: k.Host, By: k.By, At: k.At}
	}
	return out
}

func (s uiSilencer) Mute(ctx context.Context, host string, until time.Time) error {
	return s.d.Mute(ctx, alert.Mute{Host: host, Until: until, By: "tui"})
}

func (s uiSilencer) Unmute(ctx context.Context, host string) error {
	_, err := s.d.Unmute(ctx, host, "tui")
	return err
}
