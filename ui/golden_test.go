package ui

import (
	"bytes"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest"
)

// The golden screens run the model in a real tea.Program (teatest) with
// the ASCII colour profile and fixed snapshots and clock, and compare the
// screen with testdata/<test>/<case>.golden. Refresh them with
// `go test ./ui -run TestGolden -update` and read the diff before keeping it.
func TestGoldenScreens(t *testing.T) {
	lastAlert := AlertState{
		Level: AlertOff, Last: "🔴 db-replica (198.18.0.7) is DOWN since 2026-11-26 21:03:24 UTC",
		LastAt: now, LastDown: true,
	}
	tests := []struct {
		name      string
		w, h      int
		keys      []string
		waitFor   string
		moreHosts int
		alert     *AlertState // what the alert channel reports, if any
	}{
		{name: "table", w: 80, h: 24, waitFor: "down 00:12:34", moreHosts: 40},
		{name: "table", w: 120, h: 40, waitFor: "down 00:12:34", moreHosts: 40},
		{name: "detail", w: 80, h: 24, keys: []string{"enter"}, waitFor: "OUTAGES  3 recorded"},
		{name: "detail", w: 120, h: 40, keys: []string{"enter"}, waitFor: "OUTAGES  3 recorded"},
		// Issue 15: the 24 h history chart.
		{name: "detail24h", w: 80, h: 24, keys: []string{"enter", "2"}, waitFor: "median"},
		{name: "detail24h", w: 60, h: 15, keys: []string{"enter", "2"}, waitFor: "newest first (1 lists them)"},
		{name: "help", w: 80, h: 24, keys: []string{"?"}, waitFor: "/var/lib/downtime/downtime.log"},
		{name: "compact", w: 36, h: 9, waitFor: "00:12:34", moreHosts: 10},
		{name: "alert", w: 80, h: 24, alert: &lastAlert, waitFor: "is DOWN since"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s_%dx%d", tt.name, tt.w, tt.h), func(t *testing.T) {
			// The tick the model asks for itself reads the alert channel:
			// it must say what the tick the test sends says, or a tick
			// firing before the View below would clear the alert.
			var alert atomic.Pointer[AlertState]
			alert.Store(&AlertState{Level: AlertOff})
			m := New(Options{
				Alerts:     AlertStatusFunc(func() AlertState { return *alert.Load() }),
				Commands:   &fakeCommands{},
				History:    &fakeHistory{},
				Now:        func() time.Time { return now },
				Renderer:   asciiRenderer(),
				ConfigPath: "/etc/downtime/hosts.toml",
				LogPath:    "/var/lib/downtime/downtime.log",
			})
			tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(tt.w, tt.h))
			tm.Send(SnapshotMsg(fixture(t, len(fixtureHosts)+tt.moreHosts)))
			for _, k := range tt.keys {
				tm.Send(keyMsg(k))
			}
			if tt.alert != nil {
				alert.Store(tt.alert)
				tm.Send(tickMsg{now: now, alert: *tt.alert})
			}
			teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
				return bytes.Contains(b, []byte(tt.waitFor))
			}, teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
			tm.Send(keyMsg("q"))
			final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*Model)
			golden.RequireEqual(t, []byte(final.View()))
		})
	}
}
