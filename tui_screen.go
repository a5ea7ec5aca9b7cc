package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/term"
)

// The UI draws its own frames: Bubble Tea runs the model and reads the
// keys, started with tea.WithoutRenderer, and screen writes a frame only
// when it differs from the one shown, and then only its changed lines.
// Bubble Tea v1's renderer wakes at its frame rate (10 a second here, 60 by
// default) to compare frames even when nothing changed; at 50 hosts those
// wake-ups cost more than the probing (README, "Performance"). Here an idle
// screen wakes once a second, for its timers, and a key is drawn as soon as
// the model has handled it.

// screen is what the terminal shows and how to change it into a new frame.
// It is used from Bubble Tea's event loop only.
type screen struct {
	out           io.Writer
	width, height int
	frame         string   // the view on the terminal now
	shown         []string // its lines, as written
	buf           bytes.Buffer
	lost          error // the write that failed: the terminal went away, nothing more is written
}

// resize forgets what is shown: after a resize the terminal may have
// rewrapped or cleared it, so the next frame is drawn whole.
func (s *screen) resize(width, height int) {
	s.width, s.height = width, height
	s.frame, s.shown = "", nil
	s.begin()
	s.buf.WriteString(ansi.EraseEntireScreen)
}

// Synchronized output (DEC private mode 2026): a terminal that knows it
// shows the whole frame at once, never half of it (on a slow link, a
// frame may come in several reads); one that does not ignores it.
const (
	syncBegin = "\x1b[?2026h"
	syncEnd   = "\x1b[?2026l"
)

// begin starts the frame's write with syncBegin, once.
func (s *screen) begin() {
	if s.buf.Len() == 0 {
		s.buf.WriteString(syncBegin)
	}
}

// draw makes the terminal show view: each line that differs from the one
// shown in its row is rewritten, lines past the view's end are erased, and
// all of it goes out in one write, as one synchronized update. A view
// taller than the terminal loses its top lines, as with Bubble Tea's
// renderer; a line wider than the terminal is cut, so that nothing wraps
// into the next row.
func (s *screen) draw(view string) {
	if s.lost != nil || (view == s.frame && s.buf.Len() == 0) {
		return
	}
	lines := strings.Split(view, "\n")
	if s.height > 0 && len(lines) > s.height {
		lines = lines[len(lines)-s.height:]
	}
	for i, line := range lines {
		if i < len(s.shown) && s.shown[i] == line {
			continue
		}
		s.moveTo(i)
		w := ansi.StringWidth(line)
		if s.width > 0 && w > s.width {
			lines[i] = ansi.Truncate(line, s.width, "")
		}
		s.buf.WriteString(lines[i])
		if s.width <= 0 || w < s.width {
			// Only a line short of the edge: at the last column the
			// cursor waits to wrap, and an erase there would take the
			// line's last cell.
			s.buf.WriteString(ansi.EraseLineRight)
		}
	}
	for i := len(lines); i < len(s.shown); i++ {
		s.moveTo(i)
		s.buf.WriteString(ansi.EraseEntireLine)
	}
	s.frame, s.shown = view, lines
	if s.buf.Len() == 0 {
		return
	}
	s.buf.WriteString(syncEnd)
	if _, err := s.out.Write(s.buf.Bytes()); err != nil {
		s.lost = err
	}
	s.buf.Reset()
}

// moveTo puts the cursor at the start of row i (from 0).
func (s *screen) moveTo(i int) {
	s.begin()
	s.buf.WriteString("\x1b[")
	s.buf.WriteString(strconv.Itoa(i + 1))
	s.buf.WriteString(";1H")
}

// drawn is the UI's model with the screen drawing each view it makes:
// Bubble Tea asks it for a view after every message, and gets an empty
// one, since it has no renderer to give it to.
type drawn struct {
	tea.Model
	scr  *screen
	size tea.WindowSizeMsg // the terminal's size at start, the model's first message
}

func (d drawn) Init() tea.Cmd {
	size := d.size
	return tea.Batch(func() tea.Msg { return size }, d.Model.Init())
}

func (d drawn) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if ws, ok := msg.(tea.WindowSizeMsg); ok {
		d.scr.resize(ws.Width, ws.Height)
	}
	m, cmd := d.Model.Update(msg)
	d.Model = m
	d.scr.draw(m.View())
	if d.scr.lost != nil {
		// The terminal went away: a hangup, whether or not a SIGHUP
		// comes (none does when it was not the controlling terminal, and
		// its reads then end with EOF, which Bubble Tea takes quietly).
		// The clock redraws each second, so this is found within one.
		return d, tea.Quit
	}
	return d, cmd
}

func (d drawn) View() string { return "" }

// Terminal modes set while the UI is up, and undone at the end.
const (
	enterUI = ansi.SetModeAltScreenSaveCursor + ansi.HideCursor + ansi.SetModeBracketedPaste
	leaveUI = ansi.ResetModeBracketedPaste + ansi.ShowCursor + ansi.ResetModeAltScreenSaveCursor
)

// terminal is the terminal the UI runs in: keys are read from in (raw, so
// each arrives as typed), frames written to out.
type terminal struct {
	in, out *os.File
	ownIn   bool // in is /dev/tty, opened here because stdin carried targets
	state   *term.State
	closed  bool
}

// openTerminal puts the terminal in the UI's modes: raw input, the
// alternate screen, no cursor, bracketed paste. stdin is read for keys when
// it is the terminal; otherwise (-f - read targets from it) the keys come
// from /dev/tty.
func openTerminal(stdin io.Reader, out *os.File) (*terminal, error) {
	t := &terminal{out: out}
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(f.Fd()) {
		t.in = f
	} else {
		f, err := os.Open("/dev/tty")
		if err != nil {
			return nil, fmt.Errorf("open the terminal for keys (/dev/tty): %w (standard input carried the targets; run with --no-ui for log lines)", err)
		}
		t.in, t.ownIn = f, true
	}
	state, err := term.MakeRaw(t.in.Fd())
	if err != nil {
		t.closeIn()
		return nil, fmt.Errorf("put the terminal in raw mode: %w (run with --no-ui for log lines)", err)
	}
	t.state = state
	if _, err := io.WriteString(out, enterUI); err != nil {
		t.close()
		return nil, fmt.Errorf("set up the terminal: %w", err)
	}
	return t, nil
}

// close gives the terminal back as it was found. Closing again does
// nothing.
func (t *terminal) close() {
	if t.closed {
		return
	}
	t.closed = true
	_, _ = io.WriteString(t.out, leaveUI)
	_ = term.Restore(t.in.Fd(), t.state)
	t.closeIn()
}

func (t *terminal) closeIn() {
	if t.ownIn {
		_ = t.in.Close()
	}
}

// size is the terminal's size as a message for the model.
func (t *terminal) size() tea.WindowSizeMsg {
	w, h, err := term.GetSize(t.out.Fd())
	if err != nil {
		return tea.WindowSizeMsg{Width: 80, Height: 24} // what a terminal that will not say is taken to be
	}
	return tea.WindowSizeMsg{Width: w, Height: h}
}

// watchResize sends the model the terminal's new size after each SIGWINCH,
// until ctx ends.
func (t *terminal) watchResize(ctx context.Context, p *tea.Program) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGWINCH)
	go func() {
		defer signal.Stop(ch)
		for {
			select {
			case <-ch:
				p.Send(t.size())
			case <-ctx.Done():
				return
			}
		}
	}()
}
