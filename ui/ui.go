// Package ui is the full-screen terminal UI: a live wall of hosts built on
// the monitor's snapshots, with keys to pause, add, remove, filter, sort and
// look at one host in detail.
//
// One root Model holds concrete children (the table, the detail view, the
// add form) and a common value they share. Update never does I/O and View
// builds only the rows on screen: everything slow (monitor commands, the
// store) runs in a tea.Cmd and comes back as a named message.
package ui

import (
	"context"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"downtime/config"
	"downtime/monitor"
)

// Options wire the UI to the rest of the program. Only Commands is needed
// for the keys to act; every field may be left zero in a test of the screen.
type Options struct {
	// Context bounds the commands sent to the monitor (default Background).
	Context context.Context
	// Commands are the monitor's commands (a *monitor.Runner).
	Commands Commands
	// History is the store, for the detail view; nil with --no-state.
	History History
	// Alerts reports the alert channel's state; nil shows "telegram: off".
	Alerts AlertStatus
	// Defaults are the config's defaults, given to hosts added with "a".
	Defaults config.Defaults
	// ConfigPath is the config file, shown in the header; "" for none.
	ConfigPath string
	// LogPath is the file the logs go to while the UI is up, named in the
	// full help.
	LogPath string
	// Reload re-reads the config file and applies its hosts (the "r" key).
	// It runs in a tea.Cmd, so it may be slow, and returns a one-line
	// summary ("config reloaded: 1 added, 0 removed, 0 changed") or why
	// the new config was refused (the running one goes on). With no
	// ConfigPath or no Reload, "r" says there is no config file to reload.
	Reload func() (string, error)
	// Silencer mutes hosts (m, M) and reports the mutes and acks shown
	// in the table and the detail view; nil: no marks, m says so.
	Silencer Silencer
	// Notice is shown under the table until something else is said, e.g.
	// how to add hosts when none were named.
	Notice string
	// Tracer traces a host's path live (the detail view's t key); nil
	// without ICMP.
	Tracer Tracer
	// Now is the clock (default time.Now); tests fix it.
	Now func() time.Time
	// Renderer is the lipgloss renderer of the output (default the
	// package's default renderer); NoColor drops colours but keeps bold,
	// faint and reverse, as NO_COLOR asks.
	Renderer *lipgloss.Renderer
	NoColor  bool
	// Demo marks the screen DEMO: the hosts are simulated (--demo).
	Demo bool
	// Events are the monitor's transitions, for the "e" list; nil lists
	// only the alerts.
	Events *Events
}

// common is what every part of the UI shares: the screen's size, the
// styles, the keys and the time.
type common struct {
	width, height int
	styles        Styles
	keys          KeyMap
	now           time.Time
	silenced      Silenced // mutes and acks, fresh every tick (mute.go)
}

// viewState is what fills the screen.
type viewState uint8

const (
	stateTable viewState = iota
	stateDetail
	stateTrace  // the live trace of the detail view's host (trace.go)
	stateEvents // the "e" list
)

// inputMode is what the keys go to.
type inputMode uint8

const (
	modeNormal  inputMode = iota
	modeFilter            // typing a filter
	modeAdd               // the add form
	modeConfirm           // "remove host? y/n"
	modeMute              // "mute host for: 1h" (mute.go)
	modeMutes             // the list of mutes (mute.go)
)

// statusKind says how the status line is drawn.
type statusKind uint8

const (
	statusInfo statusKind = iota
	statusWarn
	statusError
)

// statusTTL is how long a status message stays.
const statusTTL = 6 * time.Second

// reloadErrorTTL is how long a refused reload stays on the status line:
// long enough to read the file, line and fix, and go and edit it.
const reloadErrorTTL = 30 * time.Second

// alertTTL is how long a new alert stays on the status line.
const alertTTL = time.Minute

// maxStatusLines is how many lines an error too long for one may take.
const maxStatusLines = 3

// Model is the root model of the UI.
type Model struct {
	c    *common
	back *backend

	state viewState
	mode  inputMode

	table    tableModel
	detail   detailModel
	trace    traceModel
	form     addForm
	filterIn textinput.Model
	help     help.Model
	hint     hintCache // the hint line, drawn once per kind and width
	showHelp bool
	confirm  *monitor.HostView // the host "d" asks about
	mute     muteForm          // "m"
	mutes    muteList          // "M"

	helpOffset   int     // first line of the help page on screen
	eventsOffset int     // first line of the events list on screen
	events       []Event // the transitions, from the last tick

	snap   monitor.Snapshot
	counts counts
	alert  AlertState

	status      string
	statusKind  statusKind
	statusAt    time.Time
	statusUntil time.Time

	// The last alert, on the status line for alertTTL after it was made
	// unless something newer is said.
	alertNote      string
	alertKind      statusKind
	alertAt        time.Time
	alertNoteUntil time.Time

	reloading bool // "r" is at work

	// view is the last screen View drew, drawn again while viewFresh: a
	// tick that changes nothing on screen leaves it fresh.
	view      string
	viewFresh bool

	configPath, logPath, notice string
	demo                        bool
}

var _ tea.Model = (*Model)(nil)

// New builds the UI. Snapshots reach it as SnapshotMsg (tea.Program.Send).
func New(o Options) *Model {
	if o.Context == nil {
		o.Context = context.Background()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Defaults.Interval == 0 {
		o.Defaults = config.Default().Defaults
	}
	c := &common{
		width: 80, height: 24,
		styles: DefaultStyles(o.Renderer, o.NoColor),
		keys:   DefaultKeyMap(),
		now:    o.Now(),
	}
	m := &Model{
		c: c,
		back: &backend{
			ctx: o.Context, cmds: o.Commands, hist: o.History, alerts: o.Alerts, events: o.Events,
			now: o.Now, defaults: o.Defaults, reload: o.Reload, silencer: o.Silencer,
		},
		table:      tableModel{c: c, sort: sortDownFirst},
		detail:     detailModel{c: c},
		trace:      traceModel{c: c, tracer: o.Tracer, ctx: o.Context},
		form:       newAddForm(c),
		filterIn:   newInput(c, "/", "name or address"),
		help:       help.New(),
		alert:      AlertState{Level: AlertOff},
		configPath: o.ConfigPath,
		logPath:    o.LogPath,
		notice:     o.Notice,
		demo:       o.Demo,
	}
	if o.Alerts != nil {
		m.alert = o.Alerts.Status()
	}
	st := &c.styles
	m.help.ShortSeparator = "  "
	m.help.Styles = help.Styles{
		ShortKey: st.Key, ShortDesc: st.KeyDesc, ShortSeparator: st.Faint, Ellipsis: st.Faint,
		FullKey: st.Key, FullDesc: st.KeyDesc, FullSeparator: st.Faint,
	}
	m.setSortHelp()
	m.relayout()
	return m
}

// setSnapshot takes the monitor's latest snapshot: counts, rows and the
// detail view's host are computed here, once, not in View.
func (m *Model) setSnapshot(s monitor.Snapshot) tea.Cmd {
	m.snap = s
	// The snapshot's time is the clock's too: the runner publishes on the
	// second, just before the tick, which then finds nothing new to draw,
	// so one redraw a second shows both the figures and the timers.
	if s.At.After(m.c.now) {
		m.c.now = s.At
	}
	m.counts = countStates(s.Hosts)
	m.table.setHosts(s.Hosts)
	if m.state != stateDetail {
		return nil
	}
	for _, v := range s.Hosts {
		if v.ID == m.detail.id {
			m.detail.host = v
			if m.detail.stale(m.c.now) {
				return m.refreshDetail(v)
			}
			return nil
		}
	}
	m.state = stateTable
	m.setStatus(statusWarn, m.detail.host.Name+" is no longer watched")
	return nil
}

func (m *Model) setStatus(kind statusKind, text string) {
	m.setStatusFor(kind, text, statusTTL)
}

func (m *Model) setStatusFor(kind statusKind, text string, ttl time.Duration) {
	m.status, m.statusKind = text, kind
	m.statusAt, m.statusUntil = m.c.now, m.c.now.Add(ttl)
}

// setAlert takes the alert channel's state from a tick. An alert made
// since the last tick goes on the status line for alertTTL: without
// Telegram this screen is where alerts are seen (the log is in a file),
// and with it, it says what was sent.
func (m *Model) setAlert(a AlertState) {
	prev := m.alert
	m.alert = a
	if a.Last == "" || (a.Last == prev.Last && a.LastAt.Equal(prev.LastAt)) {
		return
	}
	kind := statusInfo
	if a.LastDown {
		kind = statusWarn
	}
	m.alertNote, m.alertKind = "alert: "+firstLine(a.Last), kind
	m.alertAt, m.alertNoteUntil = m.c.now, m.c.now.Add(alertTTL)
}

// firstLine is s up to its first line break.
func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return strings.TrimSpace(s)
}

// compact reports whether the screen is too small for the table.
func (m *Model) compact() bool {
	return m.c.width < compactWidth || m.c.height < compactHeight
}

// canReload reports whether "r" has a config file to reload.
func (m *Model) canReload() bool { return m.back.reload != nil && m.configPath != "" }

// setSortHelp names the current sort order in the hint line.
func (m *Model) setSortHelp() {
	m.c.keys.Sort.SetHelp("s", "sort: "+m.table.sort.String())
}

// relayout gives the table the lines the header and footer leave.
func (m *Model) relayout() {
	m.help.Width = m.c.width - 1 // after a leading space
	m.form.resize(m.c.width)
	m.filterIn.Width = max(4, m.c.width/3)
	lines := m.c.height - 1 - m.footerLines()
	if !m.compact() {
		lines-- // column heads
	}
	m.table.setHeight(lines)
}
