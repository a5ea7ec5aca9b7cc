package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"downtime/alert"
	"downtime/monitor"
	"downtime/ui"
)

// TestTUIAlertStatusCarriesTheLastAlert: the UI's alert state has the
// last alert the dispatcher made, with Telegram off (the only place it is
// seen while the log is in a file), and whether it tells of hosts down.
func TestTUIAlertStatusCarriesTheLastAlert(t *testing.T) {
	if uiAlertStatus(&app{}) != nil {
		t.Error("an alert state before setupAlerts")
	}
	d, err := alert.New(alert.Options{})
	if err != nil {
		t.Fatal(err)
	}
	a := &app{alerts: d}
	st := uiAlertStatus(a)
	if s := st.Status(); s.Level != ui.AlertOff || s.Last != "" || !s.LastAt.IsZero() {
		t.Fatalf("before any alert: %+v", s)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { d.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })

	t0 := time.Date(2026, 11, 26, 21, 4, 5, 0, time.UTC)
	wait := func(what string, ok func(ui.AlertState) bool) ui.AlertState {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for {
			s := st.Status()
			if ok(s) {
				return s
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: alert state %+v", what, s)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	d.Transition(monitor.Transition{Host: "core-sw1", Address: "198.18.0.1", From: monitor.Up, To: monitor.Down, At: t0, DownSince: t0})
	s := wait("down", func(s ui.AlertState) bool { return s.Last != "" })
	if s.Last != "🔴 core-sw1 (198.18.0.1) is DOWN since 2026-11-26 21:04:05 UTC (first lost probe)" || !s.LastDown || s.LastAt.IsZero() {
		t.Errorf("after a DOWN: %+v", s)
	}
	d.Transition(monitor.Transition{Host: "core-sw1", Address: "198.18.0.1", From: monitor.Down, To: monitor.Up, At: t0.Add(time.Minute), DownSince: t0})
	s = wait("up", func(s ui.AlertState) bool { return strings.Contains(s.Last, "UP") })
	if !strings.HasPrefix(s.Last, "🟢 core-sw1 is UP after 00:01:00") || s.LastDown {
		t.Errorf("after an UP: %+v", s)
	}
}

// TestUIAlertStateFromOneStatus (issue 10 item 1): one Status call gives
// the header its level, time and reasons and the help its recent alerts;
// a healthy channel carries no stale reason.
func TestUIAlertStateFromOneStatus(t *testing.T) {
	since := time.Date(2026, 11, 26, 7, 5, 0, 0, time.UTC)
	tests := []struct {
		in   alert.Status
		want ui.AlertLevel
	}{
		{alert.Status{Health: alert.HealthOff, State: alert.StateOff}, ui.AlertOff},
		{alert.Status{Health: alert.HealthOK, State: alert.StateQueued, Queued: 2}, ui.AlertOK},
		{alert.Status{Health: alert.HealthChecking, State: alert.StateOK}, ui.AlertChecking},
		{alert.Status{Health: alert.HealthUnreachable, State: alert.StateFailing, Since: since, Queued: 3, Reason: "telegram: sendMessage: dial tcp: connection refused", Short: "connection refused"}, ui.AlertUnreachable},
		{alert.Status{Health: alert.HealthFailing, State: alert.StateFailing, Since: since, Reason: "telegram: 502 Bad Gateway"}, ui.AlertFailing},
		{alert.Status{Health: alert.HealthRefused, State: alert.StateFailing, Since: since, Reason: "telegram: 403 Forbidden: bot was kicked", Short: "bot removed from chat"}, ui.AlertRefused},
	}
	for _, tt := range tests {
		got := uiAlertState(tt.in)
		if got.Level != tt.want || got.Queued != tt.in.Queued {
			t.Errorf("%+v: level %v queued %d, want %v %d", tt.in, got.Level, got.Queued, tt.want, tt.in.Queued)
		}
		failing := tt.want != ui.AlertOK && tt.want != ui.AlertOff && tt.want != ui.AlertChecking
		if failing && (!got.Since.Equal(since) || strings.HasPrefix(got.Reason, "telegram: ") || got.Reason == "" || got.Short != tt.in.Short) {
			t.Errorf("%+v: since %v reason %q short %q", tt.in, got.Since, got.Reason, got.Short)
		}
		if !failing && (got.Reason != "" || !got.Since.IsZero()) {
			t.Errorf("%+v: a healthy channel with reason %q since %v", tt.in, got.Reason, got.Since)
		}
	}
	in := alert.Status{Health: alert.HealthOK, Recent: []alert.Recent{
		{Made: since, Text: "🔴 a (a.lan) is DOWN since 07:05", Delivery: alert.DeliveryFailed, Reason: "telegram: 400 Bad Request: chat not found", At: since},
		{Made: since, Text: "🟢 a is UP after 00:00:10", Delivery: alert.DeliverySent, At: since},
	}}
	got := uiAlertState(in).Recent
	if len(got) != 2 || got[0].Delivery != "failed" || !got[0].Down || got[0].Reason != "400 Bad Request: chat not found" || got[1].Delivery != "sent" || got[1].Down {
		t.Errorf("recent: %+v", got)
	}
}
