package ui

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest"

	"downtime/monitor"
	"downtime/probe"
)

// unreachable is the alert state of a Bot API out of reach since 07:05
// with three messages waiting.
var unreachable = AlertState{
	Level: AlertUnreachable, Queued: 3, Since: time.Date(2026, 11, 26, 7, 5, 0, 0, time.UTC),
	Reason: "sendMessage: dial tcp 127.0.0.1:9: connect: connection refused", Short: "connection refused",
}

// refused is the alert state of a bot removed from its chat.
var refused = AlertState{
	Level: AlertRefused, Since: time.Date(2026, 11, 26, 20, 1, 0, 0, time.UTC),
	Reason: "403 Forbidden: bot was kicked from the group chat", Short: "bot removed from chat",
}

// TestHeaderTellsTheTruthAboutTelegram (issue 10 item 1): the header says
// what is true now, in as many words as the width holds, never cut at a
// fixed place: at 200 columns the whole reason is there.
func TestHeaderTellsTheTruthAboutTelegram(t *testing.T) {
	tests := []struct {
		state   AlertState
		w       int
		want    string
		notWant string
	}{
		{AlertState{Level: AlertOK}, 80, "telegram: ok", ""},
		{AlertState{Level: AlertChecking}, 80, "telegram: checking", "ok"},
		{AlertState{Level: AlertOff}, 80, "telegram: off", ""},
		{unreachable, 200, "telegram: unreachable since 07:05 (3 queued): sendMessage: dial tcp 127.0.0.1:9: connect: connection refused", ""},
		{unreachable, 120, "telegram: unreachable since 07:05 (3 queued): connection refused", "dial tcp"},
		{unreachable, 80, "telegram: unreachable since 07:05 (3 queued)", "telegram: ok"},
		{unreachable, 70, "telegram: unreachable (3 queued)", "…"},
		{unreachable, 60, "telegram: unreachable", "…"},
		{unreachable, 45, "tg: unreachable", "…"},
		{refused, 200, "telegram: refused since 20:01: 403 Forbidden: bot was kicked from the group chat", ""},
		{refused, 80, "telegram: refused: bot removed from chat", "…"},
		{AlertState{Level: AlertFailing, Reason: "500 Internal Server Error", Short: "server error 500", Since: now}, 140, "telegram: failing since 21:04: 500 Internal Server Error", ""},
		{AlertState{Level: AlertFailing, Reason: "500 Internal Server Error", Short: "server error 500", Since: now}, 100, "telegram: failing since 21:04: server error 500", ""},
	}
	for _, tt := range tests {
		m, _ := newTest(t, tt.w, 24, fixture(t, 0), Options{Alerts: AlertStatusFunc(func() AlertState { return tt.state })})
		h := ansi.Strip(screen(m)[0])
		if !strings.Contains(h, tt.want) || (tt.notWant != "" && strings.Contains(h, tt.notWant)) {
			t.Errorf("at %d columns the header is\n%q\nwant %q", tt.w, h, tt.want)
		}
		if width(h) > tt.w {
			t.Errorf("at %d columns the header is %d wide", tt.w, width(h))
		}
		if !strings.Contains(h, "▼ 2 down") || !strings.HasSuffix(h, "21:04:05") {
			t.Errorf("at %d columns the counts or the clock went first: %q", tt.w, h)
		}
	}
}

// TestHelpShowsTheWholeReasonAndEachAlertsDelivery (issue 10 item 1).
func TestHelpShowsTheWholeReasonAndEachAlertsDelivery(t *testing.T) {
	st := unreachable
	st.Recent = []SentAlert{
		{Made: now, Text: "🔴 db-replica (198.18.0.7) is DOWN since 2026-11-26 21:03:24 UTC", Down: true, Delivery: "queued", Reason: "connection refused"},
		{Made: now.Add(-time.Hour), Text: "🟢 web-01 is UP after 00:00:41", Delivery: "failed", Reason: "403 Forbidden: bot was kicked", At: now.Add(-time.Hour)},
		{Made: now.Add(-2 * time.Hour), Text: "🔴 web-01 (198.18.0.9) is DOWN since 2026-11-26 19:03:24 UTC", Down: true, Delivery: "sent", At: now.Add(-2 * time.Hour)},
	}
	m, _ := newTest(t, 160, 40, fixture(t, 0), Options{Alerts: AlertStatusFunc(func() AlertState { return st })})
	press(t, m, "?")
	text := ansi.Strip(m.View())
	for _, want := range []string{
		"telegram: unreachable since 07:05 (3 queued): sendMessage: dial tcp 127.0.0.1:9: connect: connection refused",
		"21:04:05 queued 🔴 db-replica (198.18.0.7) is DOWN since 2026-11-26 21:03:24 UTC\n                 last try: connection refused",
		"20:04:05 failed 🟢 web-01 is UP after 00:00:41\n                 why: 403 Forbidden: bot was kicked",
		"19:04:05 sent   🔴 web-01 (198.18.0.9) is DOWN",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("help lacks %q:\n%s", want, text)
		}
	}
}

// TestHelpScrollsAt60x15 (issue 10 item 9): the help is longer than a
// side pane; its first page has the keys and the log file, the footer
// says there is more, it scrolls to its last line, and never wraps.
func TestHelpScrollsAt60x15(t *testing.T) {
	m, _ := newTest(t, 60, 15, fixture(t, 0), Options{LogPath: "/var/lib/downtime/downtime.log"})
	press(t, m, "?")
	first := screen(m)
	if len(first) != 15 {
		t.Fatalf("%d lines, want 15", len(first))
	}
	joined := ansi.Strip(strings.Join(first, "\n"))
	if !strings.Contains(joined, "KEYS") || !strings.Contains(joined, "/var/lib/downtime/downtime.log") || !strings.HasSuffix(joined, "13/31 ↓") || strings.Contains(joined, "MARKS") {
		t.Errorf("first page:\n%s", joined)
	}
	press(t, m, "G")
	last := ansi.Strip(strings.Join(screen(m), "\n"))
	if !strings.Contains(last, "config, the command line or a target file") || !strings.HasSuffix(last, "31/31 ↑") || !strings.Contains(last, "MARKS") {
		t.Errorf("last page:\n%s", last)
	}
	for _, l := range screen(m) {
		if width(l) > 60 {
			t.Errorf("line wider than the pane: %q", l)
		}
	}
	press(t, m, "esc")
	if m.showHelp {
		t.Error("esc did not close the help")
	}
}

// TestScrollMarkSaysMoreRowsExist (issue 10 item 9): in the column heads,
// and in the compact list's footer.
func TestScrollMarkSaysMoreRowsExist(t *testing.T) {
	m, _ := newTest(t, 80, 24, fixture(t, 40), Options{})
	heads := ansi.Strip(screen(m)[1])
	if !strings.HasSuffix(heads, "21/"+strconv.Itoa(len(m.table.rows))+" ↓") {
		t.Errorf("heads %q: want the scroll mark", heads)
	}
	press(t, m, "pgdown")
	if heads := ansi.Strip(screen(m)[1]); !strings.HasSuffix(heads, " ↕") {
		t.Errorf("heads after a page down %q: want ↕", heads)
	}
	press(t, m, "G")
	if heads := ansi.Strip(screen(m)[1]); !strings.HasSuffix(heads, strconv.Itoa(len(m.table.rows))+"/"+strconv.Itoa(len(m.table.rows))+" ↑") {
		t.Errorf("heads at the bottom %q: want ↑", heads)
	}
	m.Update(tea.WindowSizeMsg{Width: 36, Height: 9})
	lines := screen(m)
	if foot := ansi.Strip(lines[len(lines)-1]); !strings.HasSuffix(foot, " ↑") {
		t.Errorf("compact footer %q: want the mark", foot)
	}
	few, _ := newTest(t, 80, 24, fixture(t, 0), Options{})
	if heads := ansi.Strip(screen(few)[1]); strings.ContainsAny(heads, "↓↑↕") {
		t.Errorf("every row on screen, yet %q", heads)
	}
}

// TestEventsListNewestFirst (issue 10 item 9): "e" lists transitions
// and alerts with their time, newest first, scrolls, and esc goes back.
func TestEventsListNewestFirst(t *testing.T) {
	ev := NewEvents()
	st := AlertState{Level: AlertOK, Recent: []SentAlert{
		{Made: now.Add(-30 * time.Second), Text: "🔴 core-sw1 (198.18.0.1) is DOWN since 2026-11-26 21:03:30 UTC", Down: true, Delivery: "sent"},
	}}
	m, _ := newTest(t, 100, 12, fixture(t, 0), Options{Events: ev, Alerts: AlertStatusFunc(func() AlertState { return st })})
	t1 := now.Add(-35 * time.Second)
	ev.Transition(monitor.Transition{Host: "core-sw1", Address: "198.18.0.1", From: monitor.Up, To: monitor.Down, At: t1, DownSince: t1, Reason: "timeout"})
	ev.Transition(monitor.Transition{Host: "core-sw1", Address: "198.18.0.1", From: monitor.Down, To: monitor.Up, At: now.Add(-5 * time.Second), DownSince: t1})
	ev.Transition(monitor.Transition{Host: "web-01", From: monitor.Down, To: monitor.Paused, Notice: monitor.NoticePaused})
	for i := range 20 {
		at := now.Add(-time.Hour - time.Duration(i)*time.Minute)
		ev.Transition(monitor.Transition{Host: "flappy", From: monitor.Up, To: monitor.Down, At: at, DownSince: at})
	}
	m.Update(m.back.tick()()) // the tick reads the events (and the alerts)

	press(t, m, "e")
	lines := screen(m)
	text := ansi.Strip(strings.Join(lines, "\n"))
	if !strings.Contains(text, "EVENTS  newest first") || !strings.Contains(text, "/23 ↓") {
		t.Fatalf("events page:\n%s", text)
	}
	want := []string{
		"21:04:00 ● host up  core-sw1 (198.18.0.1)  outage 00:00:30",
		"21:03:35 ✉ alert sent  🔴 core-sw1 (198.18.0.1) is DOWN since",
		"21:03:30 ▼ host down  core-sw1 (198.18.0.1)  timeout",
		"20:04:05 ▼ host down  flappy",
	}
	for i, w := range want {
		if got := ansi.Strip(lines[2+i]); !strings.HasPrefix(got, " "+w) {
			t.Errorf("line %d %q, want %q", i, got, w)
		}
	}
	if strings.Contains(text, "web-01") {
		t.Error("a notice (pause) is listed as a transition")
	}
	press(t, m, "G")
	if text := ansi.Strip(strings.Join(screen(m), "\n")); !strings.Contains(text, "19:45:05 ▼ host down  flappy") || !strings.Contains(text, "23/23 ↑") {
		t.Errorf("bottom of the events:\n%s", text)
	}
	press(t, m, "esc")
	if m.state != stateTable || !strings.Contains(ansi.Strip(screen(m)[1]), "HOST") {
		t.Errorf("esc did not go back to the table:\n%s", m.View())
	}
}

// TestOneSlowReplyDoesNotFlattenTheSparklines (issue 10 item 8): a host
// at 10 ms next to one at 1 ms with a single 2 s reply: the scale is set
// by what the rows usually take, the slow reply is ▲, losses stay ✕.
func TestOneSlowReplyDoesNotFlattenTheSparklines(t *testing.T) {
	steady := func(rtt time.Duration) []monitor.Sample {
		s := make([]monitor.Sample, monitor.SampleWindow)
		for i := range s {
			s[i] = monitor.SampleOf(rtt + time.Duration(i%5)*rtt/20)
		}
		return s
	}
	spiky := steady(time.Millisecond)
	spiky[len(spiky)-3] = monitor.SampleOf(2 * time.Second)
	spiky[len(spiky)-6] = monitor.Lost
	host := func(id int, name string, s []monitor.Sample) *monitor.HostView {
		return &monitor.HostView{ID: probe.HostID(id), Name: name, Address: name, State: monitor.Up, Since: now.Add(-time.Hour),
			Samples: s, Sent: len(s), Received: len(s), Last: s[len(s)-1].RTT(), Avg: s[0].RTT()}
	}
	snap := monitor.Snapshot{At: now, Hosts: []*monitor.HostView{host(1, "spiky", spiky), host(2, "wan", steady(10*time.Millisecond))}}
	m, _ := newTest(t, 100, 10, snap, Options{})
	spark := func(name string) string {
		row := ansi.Strip(rowOf(m, name))
		i := strings.IndexAny(row, "▁▂▃▄▅▆▇█▲✕")
		if i < 0 {
			t.Fatalf("%s has no sparkline: %q", name, row)
		}
		return strings.Fields(row[i:])[0]
	}
	if s := spark("wan"); strings.ContainsAny(s, "▁▂▃▲") {
		t.Errorf("wan (10 ms) %q: flattened by one slow reply of another host", s)
	}
	s := spark("spiky")
	if strings.Count(s, "▲") != 1 || strings.Count(s, "✕") != 1 || !strings.HasSuffix(s, "▲▁▁") {
		t.Errorf("spiky %q: want one ▲ for the 2 s reply and one ✕", s)
	}
	if heads := ansi.Strip(screen(m)[1]); strings.Contains(heads, "≤2.0s") || strings.Contains(heads, "≤2s") {
		t.Errorf("the scale's top is the outlier: %q", heads)
	}
}

// TestGoldenHonestScreens: the header's Telegram states (ok, unreachable
// with a queue, refused), the help with the alerts' deliveries and the
// events list, at 80×24 (issue 10 items 1 and 9). Refresh with
// `go test ./ui -run TestGoldenHonest -update`.
func TestGoldenHonestScreens(t *testing.T) {
	withRecent := unreachable
	withRecent.Recent = []SentAlert{
		{Made: now.Add(-40 * time.Second), Text: "🔴 db-replica (198.18.0.7) is DOWN since 2026-11-26 21:03:24 UTC", Down: true, Delivery: "queued", Reason: "connection refused"},
		{Made: now.Add(-20 * time.Minute), Text: "🟢 web-01 is UP after 00:00:41", Delivery: "sent", At: now.Add(-20 * time.Minute)},
	}
	t1 := now.Add(-41 * time.Second)
	transitions := []monitor.Transition{
		{Host: "web-01", Address: "web01.example", From: monitor.Up, To: monitor.Down, At: now.Add(-21 * time.Minute), DownSince: now.Add(-21 * time.Minute), Reason: "timeout"},
		{Host: "web-01", Address: "web01.example", From: monitor.Down, To: monitor.Up, At: now.Add(-20 * time.Minute), DownSince: now.Add(-21 * time.Minute)},
		{Host: "db-replica", Address: "198.18.0.7", From: monitor.Up, To: monitor.Down, At: t1, DownSince: t1, Reason: "host unreachable from 198.18.0.254"},
		{Host: "core-sw1", Address: "198.18.0.1", From: monitor.Down, To: monitor.Down, At: now.Add(-time.Minute), DownSince: now.Add(-12*time.Minute - 34*time.Second), Restored: true},
	}
	tests := []struct {
		name    string
		alert   AlertState
		keys    []string
		waitFor string
	}{
		{"ok", AlertState{Level: AlertOK}, nil, "telegram: ok"},
		{"unreachable", unreachable, nil, "(3 queued)"},
		{"refused", refused, nil, "bot removed from chat"},
		{"help_alerts", withRecent, []string{"?", "G"}, "queued 🔴 db-replica"},
		{"events", withRecent, []string{"e"}, "EVENTS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := NewEvents()
			for _, tr := range transitions {
				ev.Transition(tr)
			}
			// The tick the model asks for itself reads Alerts: were it nil, a
			// tick firing before the View below would show "telegram: off".
			alert := tt.alert
			m := New(Options{
				Commands: &fakeCommands{}, History: &fakeHistory{}, Events: ev,
				Alerts: AlertStatusFunc(func() AlertState { return alert }),
				Now:    func() time.Time { return now }, Renderer: asciiRenderer(),
				ConfigPath: "/etc/downtime/hosts.toml", LogPath: "/var/lib/downtime/downtime.log",
			})
			tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(80, 24))
			tm.Send(SnapshotMsg(fixture(t, len(fixtureHosts)+40)))
			tm.Send(tickMsg{now: now, alert: tt.alert, events: ev.list()})
			for _, k := range tt.keys {
				tm.Send(keyMsg(k))
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
