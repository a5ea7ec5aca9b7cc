package main

import (
	"context"
	"strings"
	"time"

	"downtime/alert"
	"downtime/ui"
)

// uiAlertStatus is the UI's view of the alert channel: one Status call
// a tick gives the header its state and the help its recent alerts, so
// the two never disagree. nil ("telegram: off") before setupAlerts. With
// Telegram off, alerts go to the log, which is a file while the UI is up:
// the UI shows them instead. Texts are the messages', which never hold the
// token.
func uiAlertStatus(a *app) ui.AlertStatus {
	if a.alerts == nil {
		return nil
	}
	d := a.alerts
	return ui.AlertStatusFunc(func() ui.AlertState {
		st := uiAlertState(d.Status())
		st.StateNotSaved = a.state.problem() != ""
		return st
	})
}

// uiAlertState translates the dispatcher's status for the UI.
func uiAlertState(s alert.Status) ui.AlertState {
	st := ui.AlertState{
		Queued: s.Queued, Since: s.Since, Short: s.Short,
		Reason: strings.TrimPrefix(s.Reason, "telegram: "),
		Last:   s.Last, LastAt: s.LastAt, LastDown: isDownText(s.Last),
	}
	switch s.Health {
	case alert.HealthOff:
		st.Level = ui.AlertOff
	case alert.HealthUnreachable:
		st.Level = ui.AlertUnreachable
	case alert.HealthRefused:
		st.Level = ui.AlertRefused
	case alert.HealthFailing:
		st.Level = ui.AlertFailing
	case alert.HealthChecking:
		st.Level = ui.AlertChecking
	default:
		st.Level = ui.AlertOK
	}
	if st.Level == ui.AlertOK || st.Level == ui.AlertOff || st.Level == ui.AlertChecking {
		st.Reason, st.Short, st.Since = "", "", time.Time{}
	}
	for _, r := range s.Recent {
		st.Recent = append(st.Recent, ui.SentAlert{
			Made: r.Made, Text: r.Text, Down: isDownText(r.Text), Delivery: r.Delivery.String(),
			At: r.At, Reason: strings.TrimPrefix(r.Reason, "telegram: "),
		})
	}
	return st
}

// isDownText reports an alert that tells of hosts down: DOWN lines,
// reminders and a storm's summary with hosts down start with the red mark
// (alert/message.go).
func isDownText(text string) bool { return strings.HasPrefix(text, "🔴") }

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
