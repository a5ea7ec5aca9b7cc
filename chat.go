package main

import (
	"context"

	"downtime/alert"
	"downtime/monitor"
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
