package ui

import "github.com/charmbracelet/bubbles/key"

// KeyMap is every key of the UI, as data: Update matches against it and the
// help shows it.
type KeyMap struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding

	Pause, PauseAll, Add, Remove, Filter, Sort key.Binding
	Detail, Back, Reload, Help, Quit           key.Binding
	Mute, Mutes, Unmute                        key.Binding // mute.go

	// In the detail view: trace the host's path live.
	Trace  key.Binding
	Events key.Binding // the recent events list
	// Range switches the detail view's chart: 1 probes, 2 24 h, 3 7 d, 4 30 d.
	Range key.Binding

	// In the add form, the filter and the remove question.
	Submit, NextField, Yes, No key.Binding
}

// DefaultKeyMap is the key map the README lists (Terminal UI).
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Up:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:     key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		PageUp:   key.NewBinding(key.WithKeys("pgup", "ctrl+b"), key.WithHelp("pgup", "page up")),
		PageDown: key.NewBinding(key.WithKeys("pgdown", "ctrl+f"), key.WithHelp("pgdn", "page down")),
		Top:      key.NewBinding(key.WithKeys("g", "home"), key.WithHelp("g", "first host")),
		Bottom:   key.NewBinding(key.WithKeys("G", "end"), key.WithHelp("G", "last host")),

		Pause:    key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "pause")),
		PauseAll: key.NewBinding(key.WithKeys("P"), key.WithHelp("P", "pause/resume all")),
		Add:      key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "add")),
		Remove:   key.NewBinding(key.WithKeys("d", "delete"), key.WithHelp("d", "remove")),
		Filter:   key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		Sort:     key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "sort")),
		Detail:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("⏎", "detail")),
		Back:     key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		Reload:   key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "reload config")),
		Help:     key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Quit:     key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
		Trace:    key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "trace (detail)")),
		Mute:     key.NewBinding(key.WithKeys("m"), key.WithHelp("m", "mute")),
		Mutes:    key.NewBinding(key.WithKeys("M"), key.WithHelp("M", "mutes")),
		Unmute:   key.NewBinding(key.WithKeys("u"), key.WithHelp("u", "unmute")),
		Events:   key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "recent events")),
		Range:    key.NewBinding(key.WithKeys("1", "2", "3", "4"), key.WithHelp("1–4", "chart range")),

		Submit:    key.NewBinding(key.WithKeys("enter"), key.WithHelp("⏎", "add")),
		NextField: key.NewBinding(key.WithKeys("tab", "shift+tab"), key.WithHelp("tab", "next field")),
		Yes:       key.NewBinding(key.WithKeys("y", "Y"), key.WithHelp("y", "yes")),
		No:        key.NewBinding(key.WithKeys("n", "N", "esc"), key.WithHelp("n", "no")),
	}
}

// Bindings that only label the one-line hints.
var (
	move       = key.NewBinding(key.WithKeys("up", "down"), key.WithHelp("↑↓", "move"))
	otherHost  = key.NewBinding(key.WithKeys("up", "down"), key.WithHelp("↑↓", "other host"))
	sortShort  = key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "sort"))
	traceShort = key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "trace"))
	closeHelp  = key.NewBinding(key.WithKeys("?", "esc"), key.WithHelp("?/esc", "close help"))
	scrollHint = key.NewBinding(key.WithKeys("up", "down"), key.WithHelp("↑↓", "scroll"))
	rangeShort = key.NewBinding(key.WithKeys("1", "2", "3", "4"), key.WithHelp("1-4", "range"))
)

// ShortHelp is the one-line hint of the table.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{move, k.Pause, k.Add, k.Filter, k.Sort, k.Detail, k.Help, k.Quit}
}

// wideHelp is the hint of a table wide enough to name the reload key too
// (the footer checks that it fits).
func (k KeyMap) wideHelp() []key.Binding {
	return []key.Binding{move, k.Pause, k.Add, k.Filter, k.Sort, k.Detail, k.Reload, k.Help, k.Quit}
}

// FullHelp is the help shown on "?".
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom},
		{k.Pause, k.PauseAll, k.Add, k.Remove},
		{k.Filter, k.Sort, k.Detail, k.Back},
		{k.Reload, k.Events, k.Help, k.Quit},
	}
}

// narrowHelp is the one-line hint of a pane under 80 cells: what is
// obvious goes, help and quit stay.
func (k KeyMap) narrowHelp() []key.Binding {
	return []key.Binding{k.Pause, k.Add, k.Filter, sortShort, k.Detail, k.Help, k.Quit}
}

// compactHelp is the hint of the compact list.
func (k KeyMap) compactHelp() []key.Binding { return []key.Binding{k.Help, k.Quit} }

// helpHelp is the hint under the help page.
func (k KeyMap) helpHelp() []key.Binding { return []key.Binding{closeHelp, scrollHint, k.Quit} }

// eventsHelp is the hint under the events list.
func (k KeyMap) eventsHelp() []key.Binding {
	return []key.Binding{k.Back, scrollHint, k.Help, k.Quit}
}

// detailHelp is the one-line hint of the detail view.
func (k KeyMap) detailHelp() []key.Binding {
	return []key.Binding{k.Back, otherHost, k.Pause, rangeShort, traceShort, k.Help, k.Quit}
}

// traceHelp is the one-line hint of the live trace.
func (k KeyMap) traceHelp() []key.Binding { return []key.Binding{k.Back, k.Help, k.Quit} }
