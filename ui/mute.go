package ui

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"downtime/monitor"
)

// MuteAll is the host of a mute that covers every host.
const MuteAll = "*"

// Silencer mutes and unmutes hosts (the m and M keys) and reports the
// mutes and acks in force; the alert dispatcher is one, through main.
// Silenced is polled once a second from a tea.Cmd: it must not wait on
// the network. Mute and Unmute run in a tea.Cmd.
type Silencer interface {
	Silenced() Silenced
	Mute(ctx context.Context, host string, until time.Time) error
	Unmute(ctx context.Context, host string) error
}

// Silenced are the mutes and acks in force.
type Silenced struct {
	Mutes []Mark          // by host; MuteAll first when set
	Acks  map[string]Mark // by host: who acknowledged its outage, when
	muted map[string]Mark // by host, built by index
	all   *Mark           // the MuteAll mute
}

// Mark is one mute or ack: who, when, until when (mutes).
type Mark struct {
	Host  string
	By    string
	At    time.Time
	Until time.Time
}

// equal reports whether s and o hold the same mutes and acks.
func (s *Silenced) equal(o Silenced) bool {
	return slices.EqualFunc(s.Mutes, o.Mutes, Mark.equal) && maps.EqualFunc(s.Acks, o.Acks, Mark.equal)
}

func (k Mark) equal(o Mark) bool {
	return k.Host == o.Host && k.By == o.By && k.At.Equal(o.At) && k.Until.Equal(o.Until)
}

// index builds the lookups.
func (s *Silenced) index() {
	s.muted, s.all = map[string]Mark{}, nil
	for i, m := range s.Mutes {
		if m.Host == MuteAll {
			s.all = &s.Mutes[i]
			continue
		}
		s.muted[m.Host] = m
	}
}

// mutedMark returns the mute covering host.
func (s *Silenced) mutedMark(host string) (Mark, bool) {
	if m, ok := s.muted[host]; ok {
		return m, true
	}
	if s.all != nil {
		return *s.all, true
	}
	return Mark{}, false
}

// The marks after a host's name in the table.
const (
	markMuted = "⊘" // muted: no alerts
	markAcked = "✔" // its outage is acknowledged: no reminders
)

// marks is the mark of host in the table ("" when neither).
func (s *Silenced) marks(host string) string {
	var m string
	if _, ok := s.Acks[host]; ok {
		m += markAcked
	}
	if _, ok := s.mutedMark(host); ok {
		m += markMuted
	}
	return m
}

// withMark fits name and its mark in w cells, the mark always shown.
func withMark(name, mark string, w int) string {
	if mark == "" {
		return name
	}
	mw := width(mark) + 1
	if width(name)+mw <= w {
		return name + " " + mark
	}
	return fit(name, max(0, w-mw)) + " " + mark
}

// silenceNotes are the detail view's words on host's mute and ack.
func (s *Silenced) silenceNotes(host string, now time.Time) []string {
	var out []string
	if m, ok := s.mutedMark(host); ok {
		what := "muted"
		if m.Host == MuteAll {
			what = "all hosts muted"
		}
		out = append(out, what+" until "+formatStamp(m.Until, now)+" by "+m.By)
	}
	if a, ok := s.Acks[host]; ok {
		out = append(out, "outage acknowledged by "+a.By+" at "+formatStamp(a.At, now))
	}
	return out
}

// muteForm is the question of "m": for how long.
type muteForm struct {
	host string
	in   textinput.Model
	err  string // why the last answer was refused
}

// muteList is the list of "M": the mutes, one to unmute selected.
type muteList struct {
	cursor int
}

// openMute asks how long to mute the selected host (1h unless changed).
func (m *Model) openMute(v *monitor.HostView) {
	in := newInput(m.c, "mute "+v.Name+" for ", "1h")
	in.SetValue("1h")
	in.CursorEnd()
	in.Focus()
	m.mute = muteForm{host: v.Name, in: in}
	m.mode = modeMute
}

// muteKey handles a key of the mute question.
func (m *Model) muteKey(k tea.KeyMsg) tea.Cmd {
	switch k.Type {
	case tea.KeyEsc:
		m.mode = modeNormal
		return nil
	case tea.KeyEnter:
		d, err := parseMuteFor(m.mute.in.Value())
		if err != nil {
			m.mute.err = err.Error()
			return nil
		}
		m.mode = modeNormal
		return m.back.muteHost(m.mute.host, d)
	}
	var cmd tea.Cmd
	m.mute.in, cmd = m.mute.in.Update(k)
	return cmd
}

// mutesKey handles a key of the list of mutes: ↑↓ select, u or ⏎ unmute,
// esc or M close.
func (m *Model) mutesKey(k tea.KeyMsg) tea.Cmd {
	keys := &m.c.keys
	n := len(m.c.silenced.Mutes)
	switch {
	case key.Matches(k, keys.Back), key.Matches(k, keys.Mutes), key.Matches(k, keys.Quit):
		m.mode = modeNormal
	case key.Matches(k, keys.Up):
		m.mutes.cursor = max(0, m.mutes.cursor-1)
	case key.Matches(k, keys.Down):
		m.mutes.cursor = min(max(0, n-1), m.mutes.cursor+1)
	case key.Matches(k, keys.Unmute), k.Type == tea.KeyEnter:
		if n == 0 {
			return nil
		}
		host := m.c.silenced.Mutes[min(m.mutes.cursor, n-1)].Host
		return m.back.unmuteHost(host)
	}
	return nil
}

// mutesView is the list of "M", for the footer.
func (m *Model) mutesView(b *strings.Builder) {
	st := &m.c.styles
	w := m.c.width
	mutes := m.c.silenced.Mutes
	if line := m.statusLine(); line != "" {
		b.WriteString(line + "\n")
	}
	if len(mutes) == 0 {
		b.WriteString(fit(" no host is muted", w) + "\n")
	}
	// A window of the list around the cursor: a maintenance window may
	// mute thousands of hosts, and the table keeps most of the screen.
	cur := min(m.mutes.cursor, max(0, len(mutes)-1))
	shown := max(1, m.c.height/3)
	first := clamp(cur-shown/2, 0, max(0, len(mutes)-shown))
	last := min(len(mutes), first+shown)
	if first > 0 {
		b.WriteString(st.Faint.Render(fit(fmt.Sprintf("   … %d above", first), w)) + "\n")
	}
	for i := first; i < last; i++ {
		mu := mutes[i]
		host := mu.Host
		if host == MuteAll {
			host = "all hosts"
		}
		line := fmt.Sprintf("%s until %s by %s", host, formatStamp(mu.Until, m.c.now), mu.By)
		mark := "  "
		if i == cur {
			b.WriteString(st.Key.Render(fit(" "+markCursor+line, w)) + "\n")
			continue
		}
		b.WriteString(fit(mark+line, w) + "\n")
	}
	if last < len(mutes) {
		b.WriteString(st.Faint.Render(fit(fmt.Sprintf("   … %d below", len(mutes)-last), w)) + "\n")
	}
	b.WriteString(st.Faint.Render(fit(" ↑↓ select · u unmute · esc close", w)))
}

// muteView is the mute question, for the footer.
func (m *Model) muteView(b *strings.Builder) {
	st := &m.c.styles
	if m.mute.err != "" {
		b.WriteString(st.Error.Render(fit(" "+m.mute.err, m.c.width)) + "\n")
	}
	b.WriteString(fitStyled(" "+m.mute.in.View()+"  "+st.Faint.Render("⏎ mute · esc cancel"), m.c.width))
}

// muteHost mutes host for d ("tui" is who, in the log).
func (b *backend) muteHost(host string, d time.Duration) tea.Cmd {
	until := b.now().Add(d)
	return func() tea.Msg {
		if b.silencer == nil {
			return commandDoneMsg{err: fmt.Errorf("no alert channel to mute")}
		}
		ctx, cancel := context.WithTimeout(b.ctx, commandTimeout)
		defer cancel()
		if err := b.silencer.Mute(ctx, host, until); err != nil {
			return commandDoneMsg{err: err}
		}
		return commandDoneMsg{text: "muted " + host + " until " + until.Format("15:04") + ": no alerts for it until then"}
	}
}

// unmuteHost ends host's mute.
func (b *backend) unmuteHost(host string) tea.Cmd {
	return func() tea.Msg {
		if b.silencer == nil {
			return commandDoneMsg{err: fmt.Errorf("no alert channel to unmute")}
		}
		ctx, cancel := context.WithTimeout(b.ctx, commandTimeout)
		defer cancel()
		if err := b.silencer.Unmute(ctx, host); err != nil {
			return commandDoneMsg{err: err}
		}
		if host == MuteAll {
			host = "all hosts"
		}
		return commandDoneMsg{text: "unmuted " + host}
	}
}

// silenced reads the mutes and acks for a tick.
func (b *backend) silenced() Silenced {
	if b.silencer == nil {
		return Silenced{}
	}
	s := b.silencer.Silenced()
	sort.Slice(s.Mutes, func(i, j int) bool {
		a, b := s.Mutes[i].Host, s.Mutes[j].Host
		if (a == MuteAll) != (b == MuteAll) {
			return a == MuteAll
		}
		return a < b
	})
	s.index()
	return s
}

// parseMuteFor reads the mute question's answer: 30m, 2h, 1d.
func parseMuteFor(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	d, err := time.ParseDuration(s)
	if days, ok := strings.CutSuffix(s, "d"); ok && err != nil {
		n, perr := strconv.Atoi(days)
		d, err = time.Duration(n)*24*time.Hour, perr
	}
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("mute for %q: write a duration like 30m, 2h or 1d", s)
	}
	return d, nil
}
