package ui

import (
	"path/filepath"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"downtime/config"
	"downtime/monitor"
)

// Init starts the clock.
func (m *Model) Init() tea.Cmd { return m.back.tick() }

// Update handles one message. It never does I/O: what is slow goes out as
// a tea.Cmd.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	var cmd tea.Cmd
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.c.width, m.c.height = msg.Width, msg.Height
	case SnapshotMsg:
		cmd = m.setSnapshot(monitor.Snapshot(msg))
	case tickMsg:
		cmd = m.back.tick()
		if !m.tick(msg) {
			return m, cmd // nothing on screen changed: View draws the last screen again
		}
	case commandDoneMsg:
		if msg.err != nil {
			m.setStatus(statusError, msg.err.Error())
		} else {
			m.setStatus(statusInfo, msg.text)
		}
	case reloadedMsg:
		m.reloading = false
		if msg.err != nil {
			// Newlines (a joined error) would break the footer's lines.
			text := strings.Join(strings.Fields(msg.err.Error()), " ")
			m.setStatusFor(statusError, "reload failed, old config kept: "+text, reloadErrorTTL)
		} else {
			m.setStatus(statusInfo, msg.text)
		}
	case addedMsg:
		if m.mode == modeAdd {
			m.mode = modeNormal
		}
		m.table.want = msg.id
		m.notice = "" // it said how to add a host
		kept := "kept across restarts"
		if m.back.hist == nil {
			kept = "not kept: --no-state"
		}
		name := msg.name
		if msg.address != msg.name {
			name += " (" + msg.address + ")"
		}
		m.setStatus(statusInfo, "added "+name+": probing now, "+kept)
	case addFailedMsg:
		m.form.busy = false
		m.form.err = msg.err.Error()
		m.form.focusTarget()
	case removedMsg:
		m.setStatus(statusInfo, "removed "+msg.name)
	case historyMsg:
		m.detail.setHistory(msg)
	case traceRoundMsg, traceTickMsg:
		cmd = m.trace.update(msg)
	case tea.KeyMsg:
		cmd = m.handleKey(msg)
	}
	m.relayout()
	m.viewFresh = false
	return m, cmd
}

// tick takes the clock's second and what the tick read on its way (the
// alert channel, mutes and acks, transitions), and reports whether any of
// it changes the screen.
func (m *Model) tick(msg tickMsg) bool {
	// A snapshot of this second set the clock already (setSnapshot): the
	// timers it drew stand until the next second.
	changed := false
	if msg.now.Unix() != m.c.now.Unix() {
		m.c.now, changed = msg.now, true
	}
	if !m.statusUntil.IsZero() && !m.c.now.Before(m.statusUntil) {
		m.status, m.statusUntil = "", time.Time{}
		changed = true
	}
	if !m.alertNoteUntil.IsZero() && !m.c.now.Before(m.alertNoteUntil) {
		m.alertNote, m.alertNoteUntil = "", time.Time{}
		changed = true
	}
	if !m.alert.equal(msg.alert) {
		m.setAlert(msg.alert)
		changed = true
	}
	if !m.c.silenced.equal(msg.silenced) {
		changed = true
	}
	m.c.silenced = msg.silenced
	if msg.events != nil && !sameEvents(m.events, msg.events) {
		m.events = msg.events
		changed = true
	}
	return changed
}

// handleKey routes a key: to the input that has focus, else to the view.
func (m *Model) handleKey(k tea.KeyMsg) tea.Cmd {
	keys := &m.c.keys
	if k.Type == tea.KeyCtrlC {
		return m.quit()
	}
	// Keys typed faster than the terminal is read arrive as one message
	// ("jjp"); outside a text field each is a command of its own.
	if k.Type == tea.KeyRunes && len(k.Runes) > 1 && !k.Paste && (m.mode == modeNormal || m.mode == modeConfirm) {
		var cmds []tea.Cmd
		for _, r := range k.Runes {
			cmds = append(cmds, m.handleKey(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}}))
		}
		return tea.Batch(cmds...)
	}
	switch m.mode {
	case modeAdd:
		return m.formKey(k)
	case modeFilter:
		return m.filterKey(k)
	case modeConfirm:
		return m.confirmKey(k)
	case modeMute:
		return m.muteKey(k)
	case modeMutes:
		return m.mutesKey(k)
	}
	switch {
	case key.Matches(k, keys.Quit):
		return m.quit()
	case key.Matches(k, keys.Help):
		m.showHelp, m.helpOffset = !m.showHelp, 0
		return nil
	case m.showHelp: // the help page is modal: esc closes it, the moves scroll it, other keys wait
		if key.Matches(k, keys.Back) {
			m.showHelp = false
		}
		scrollKey(k, keys, &m.helpOffset, m.bodyLines())
		return nil
	case key.Matches(k, keys.Reload):
		return m.reload()
	}
	switch m.state {
	case stateTrace:
		if key.Matches(k, keys.Back) {
			m.trace.stop()
			m.state = stateDetail
		}
		return nil
	case stateDetail:
		return m.detailKey(k)
	case stateEvents:
		if key.Matches(k, keys.Back) || key.Matches(k, keys.Events) {
			m.state = stateTable
		}
		scrollKey(k, keys, &m.eventsOffset, m.bodyLines()-1)
		return nil
	}
	return m.tableKey(k)
}

func (m *Model) quit() tea.Cmd { return tea.Quit }

// reload re-reads the config file in a tea.Cmd; the outcome comes back as
// a reloadedMsg.
func (m *Model) reload() tea.Cmd {
	if !m.canReload() {
		m.setStatus(statusWarn, "no config file to reload: downtime started without one (-c PATH)")
		return nil
	}
	m.setStatus(statusInfo, "reloading "+filepath.Base(m.configPath)+"…")
	if m.reloading {
		return nil // the answer of the running one is on its way
	}
	m.reloading = true
	return m.back.reloadConfig()
}

// tableKey handles a key of the host table.
func (m *Model) tableKey(k tea.KeyMsg) tea.Cmd {
	keys := &m.c.keys
	t := &m.table
	switch {
	case key.Matches(k, keys.Up):
		t.move(-1)
	case key.Matches(k, keys.Down):
		t.move(1)
	case key.Matches(k, keys.PageUp):
		t.move(-t.height)
	case key.Matches(k, keys.PageDown):
		t.move(t.height)
	case key.Matches(k, keys.Top):
		t.moveTo(0)
	case key.Matches(k, keys.Bottom):
		t.moveTo(len(t.rows) - 1)
	case key.Matches(k, keys.Pause):
		if v := t.current(); v != nil {
			return m.back.pause(v)
		}
	case key.Matches(k, keys.PauseAll):
		if len(m.snap.Hosts) > 0 {
			return m.back.pauseAll(m.counts[monitor.Paused] == len(m.snap.Hosts))
		}
	case key.Matches(k, keys.Add):
		m.mode = modeAdd
		m.form.open()
	case key.Matches(k, keys.Remove):
		v := t.current()
		switch {
		case v == nil:
		case v.Origin != config.OriginRuntime:
			m.setStatus(statusWarn, m.lives(v))
		default:
			m.mode, m.confirm = modeConfirm, v
		}
	case key.Matches(k, keys.Mute):
		if v := m.table.current(); v != nil {
			m.openMute(v)
		}
	case key.Matches(k, keys.Mutes):
		m.mode, m.mutes.cursor = modeMutes, 0
	case key.Matches(k, keys.Filter):
		m.mode = modeFilter
		m.filterIn.SetValue(t.filter)
		m.filterIn.CursorEnd()
		m.filterIn.Focus()
	case key.Matches(k, keys.Sort):
		t.sort = (t.sort + 1) % sortOrders
		t.reindex()
		m.setSortHelp()
		m.setStatus(statusInfo, "sorted by "+t.sort.String())
	case key.Matches(k, keys.Detail):
		if v := t.current(); v != nil {
			m.state = stateDetail
			return m.openDetail(v)
		}
	case key.Matches(k, keys.Events):
		m.state, m.eventsOffset = stateEvents, 0
	case key.Matches(k, keys.Back):
		if t.filter != "" {
			t.filter = ""
			t.reindex()
		}
	}
	return nil
}

// lives says where a host that "d" may not remove is defined.
func (m *Model) lives(v *monitor.HostView) string {
	return v.Name + " " + v.Origin.Remedy(m.configPath) + " (d removes only hosts added with a)"
}

// openDetail shows v in the detail view and reads its history.
func (m *Model) openDetail(v *monitor.HostView) tea.Cmd {
	m.detail.open(v, m.c.now)
	return m.back.history(v.ID, v.Name, m.detail.rng)
}

// refreshDetail reads the history of the host in the detail view again,
// showing the last read meanwhile.
func (m *Model) refreshDetail(v *monitor.HostView) tea.Cmd {
	m.detail.asked(v, m.c.now)
	return m.back.history(v.ID, v.Name, m.detail.rng)
}

// detailKey handles a key of the detail view.
func (m *Model) detailKey(k tea.KeyMsg) tea.Cmd {
	keys := &m.c.keys
	switch {
	case key.Matches(k, keys.Back):
		m.state = stateTable
	case key.Matches(k, keys.Up), key.Matches(k, keys.Down):
		d := 1
		if key.Matches(k, keys.Up) {
			d = -1
		}
		m.table.move(d)
		if v := m.table.current(); v != nil && v.ID != m.detail.id {
			return m.openDetail(v)
		}
	case key.Matches(k, keys.Pause):
		if v := m.detail.host; v != nil {
			return m.back.pause(v)
		}
	case key.Matches(k, keys.Trace):
		if v := m.detail.host; v != nil {
			m.state = stateTrace
			return m.trace.start(v.ID, v.Name, v.Address)
		}
	case key.Matches(k, keys.Range):
		if r, ok := rangeOfKey(k.String()); ok && r != m.detail.rng && m.detail.host != nil {
			m.detail.rng = r
			return m.openDetail(m.detail.host)
		}
	}
	return nil
}

// formKey handles a key of the add form.
func (m *Model) formKey(k tea.KeyMsg) tea.Cmd {
	f := &m.form
	switch {
	case k.Type == tea.KeyEsc:
		m.mode = modeNormal
		return nil
	case k.Type == tea.KeyEnter:
		if f.busy {
			return nil
		}
		f.busy, f.err = true, ""
		return m.back.add(f.target.Value(), f.name.Value(), m.snap.Hosts)
	}
	return f.update(k)
}

// filterKey handles a key while the filter is typed: the table follows
// every keystroke.
func (m *Model) filterKey(k tea.KeyMsg) tea.Cmd {
	switch k.Type {
	case tea.KeyEnter:
		m.mode = modeNormal
		m.filterIn.Blur()
		return nil
	case tea.KeyEsc:
		m.mode = modeNormal
		m.filterIn.Blur()
		m.filterIn.SetValue("")
	}
	var cmd tea.Cmd
	if m.mode == modeFilter {
		m.filterIn, cmd = m.filterIn.Update(k)
	}
	if v := strings.TrimSpace(m.filterIn.Value()); v != m.table.filter {
		m.table.filter = v
		m.table.reindex()
	}
	return cmd
}

// confirmKey answers "remove host? y/n".
func (m *Model) confirmKey(k tea.KeyMsg) tea.Cmd {
	keys := &m.c.keys
	v := m.confirm
	switch {
	case key.Matches(k, keys.Yes):
		m.mode, m.confirm = modeNormal, nil
		return m.back.remove(v)
	case key.Matches(k, keys.No):
		m.mode, m.confirm = modeNormal, nil
		m.setStatus(statusInfo, "kept "+v.Name)
	}
	return nil
}

// scrollKey moves a scrolled page (the help, the events) by the move keys:
// a line, a page of lines, the top, the bottom. The page clamps the offset
// when it draws.
func scrollKey(k tea.KeyMsg, keys *KeyMap, offset *int, page int) {
	page = max(1, page)
	switch {
	case key.Matches(k, keys.Up):
		*offset--
	case key.Matches(k, keys.Down):
		*offset++
	case key.Matches(k, keys.PageUp):
		*offset -= page
	case key.Matches(k, keys.PageDown):
		*offset += page
	case key.Matches(k, keys.Top):
		*offset = 0
	case key.Matches(k, keys.Bottom):
		*offset = 1 << 30
	}
	*offset = max(0, *offset)
}
