package main

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
)

// vt is as much of a terminal as screen uses: cursor moves, erasing,
// printing with wrap at the right edge; colours are ignored. It shows
// what a user would see after screen's writes.
type vt struct {
	w, h  int
	cells [][]rune
	r, c  int
	wrap  bool // the cursor is past the last column: the next rune wraps
}

func newVT(w, h int) *vt {
	t := &vt{w: w, h: h}
	t.clear()
	return t
}

func (t *vt) clear() {
	t.cells = make([][]rune, t.h)
	for i := range t.cells {
		t.cells[i] = []rune(strings.Repeat(" ", t.w))
	}
}

func (t *vt) Write(p []byte) (int, error) {
	s := []rune(string(p))
	for i := 0; i < len(s); i++ {
		if s[i] != '\x1b' {
			if t.wrap {
				t.r, t.c, t.wrap = min(t.r+1, t.h-1), 0, false
			}
			t.cells[t.r][t.c] = s[i]
			if t.c == t.w-1 {
				t.wrap = true
			} else {
				t.c++
			}
			continue
		}
		// CSI: ESC [ params final
		j := i + 2
		for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == ';' || s[j] == '?') {
			j++
		}
		params, final := string(s[i+2:j]), s[j]
		i = j
		switch final {
		case 'H':
			r, c := 1, 1
			if f := strings.Split(params, ";"); params != "" {
				r, _ = strconv.Atoi(f[0])
				c, _ = strconv.Atoi(f[1])
			}
			t.r, t.c, t.wrap = r-1, c-1, false
		case 'K':
			from := t.c
			if params == "2" {
				from = 0
			}
			for c := from; c < t.w; c++ {
				t.cells[t.r][c] = ' '
			}
		case 'J':
			if params == "2" {
				t.clear()
			}
		}
	}
	return len(p), nil
}

func (t *vt) screen() string {
	var b strings.Builder
	for _, row := range t.cells {
		b.WriteString(strings.TrimRight(string(row), " "))
		b.WriteByte('\n')
	}
	return strings.TrimRight(b.String(), "\n")
}

// counting counts the bytes written through it.
type counting struct {
	out    *vt
	writes int
	bytes  bytes.Buffer
}

func (c *counting) Write(p []byte) (int, error) {
	c.writes++
	c.bytes.Write(p)
	return c.out.Write(p)
}

func TestScreenDrawsOnlyWhatChanged(t *testing.T) {
	term := &counting{out: newVT(20, 5)}
	s := &screen{out: term}
	s.resize(20, 5)

	s.draw("one\n\x1b[1mtwo\x1b[0m\nthree")
	if got, want := term.out.screen(), "one\ntwo\nthree"; got != want {
		t.Fatalf("first frame shows\n%s\nwant\n%s", got, want)
	}
	if term.writes != 1 {
		t.Errorf("first frame took %d writes, want 1", term.writes)
	}

	term.bytes.Reset()
	s.draw("one\n\x1b[1mtwo\x1b[0m\nthree")
	if term.bytes.Len() != 0 || term.writes != 1 {
		t.Errorf("the same frame again wrote %q", term.bytes.String())
	}

	s.draw("one\ntwo!\nthree")
	if got, want := term.out.screen(), "one\ntwo!\nthree"; got != want {
		t.Fatalf("after a change the screen shows\n%s\nwant\n%s", got, want)
	}
	if w := term.bytes.String(); strings.Contains(w, "one") || strings.Contains(w, "three") || !strings.Contains(w, "\x1b[2;1H") {
		t.Errorf("changing row 2 wrote %q: want that row only", w)
	}

	term.bytes.Reset()
	s.draw("one longer\ntwo")
	if got, want := term.out.screen(), "one longer\ntwo"; got != want {
		t.Fatalf("a shorter frame leaves\n%s\nwant\n%s", got, want)
	}
	s.draw("short\ntwo")
	if got, want := term.out.screen(), "short\ntwo"; got != want {
		t.Fatalf("a shorter line leaves\n%s\nwant\n%s", got, want)
	}
}

func TestScreenCutsWideLinesAndKeepsTheBottom(t *testing.T) {
	term := newVT(10, 3)
	s := &screen{out: term}
	s.resize(10, 3)
	s.draw("first\nsecond")
	s.draw("0123456789abcdef\nsecond") // row 2 is not redrawn: a wrapped row 1 would spill on it
	if got, want := term.screen(), "0123456789\nsecond"; got != want {
		t.Fatalf("a line wider than the terminal shows as\n%s\nwant\n%s", got, want)
	}
	// Exactly as wide: the last cell stays (an erase after it would take it).
	s.draw("0123456789\nsecond!")
	if got, want := term.screen(), "0123456789\nsecond!"; got != want {
		t.Fatalf("a line as wide as the terminal shows as\n%s\nwant\n%s", got, want)
	}
	s.draw("a\nb\nc\nd")
	if got, want := term.screen(), "b\nc\nd"; got != want {
		t.Fatalf("a frame taller than the terminal shows as\n%s\nwant\n%s", got, want)
	}
}

func TestScreenRedrawsWholeAfterAResize(t *testing.T) {
	term := newVT(20, 4)
	s := &screen{out: term}
	s.resize(20, 4)
	s.draw("a\nb")
	term.clear() // what a terminal may do to the alternate screen on a resize
	s.resize(20, 4)
	s.draw("a\nb")
	if got, want := term.screen(), "a\nb"; got != want {
		t.Fatalf("after a resize the screen shows\n%s\nwant\n%s", got, want)
	}
}

type failingWriter struct{ n int }

func (f *failingWriter) Write(p []byte) (int, error) {
	f.n++
	return 0, errors.New("input/output error")
}

func TestScreenStopsWritingToAGoneTerminal(t *testing.T) {
	f := &failingWriter{}
	s := &screen{out: f}
	s.draw("a")
	s.draw("b")
	s.draw("c")
	if f.n != 1 {
		t.Errorf("%d writes to a terminal that failed the first", f.n)
	}
}

// keyModel shows the last key pressed.
type keyModel struct{ last string }

func (m keyModel) Init() tea.Cmd { return nil }
func (m keyModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if k, ok := msg.(tea.KeyMsg); ok {
		m.last = k.String()
	}
	return m, nil
}
func (m keyModel) View() string { return "key: " + m.last }

// A key is on the screen when its Update returns: no frame clock.
func TestDrawnDrawsEachUpdate(t *testing.T) {
	term := newVT(20, 2)
	var d tea.Model = drawn{Model: keyModel{}, scr: &screen{out: term}}
	d, _ = d.Update(tea.WindowSizeMsg{Width: 20, Height: 2})
	d, _ = d.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("j")})
	if got, want := term.screen(), "key: j"; got != want {
		t.Fatalf("after a key the screen shows %q, want %q", got, want)
	}
	if v := d.View(); v != "" {
		t.Errorf("drawn gives Bubble Tea the view %q: it has no renderer to draw it", v)
	}
}

// Each frame is one synchronized update: a terminal that knows DEC mode
// 2026 shows it whole, never a half-drawn frame.
func TestScreenWritesEachFrameAsOneSynchronizedUpdate(t *testing.T) {
	var writes []string
	s := &screen{out: writerFunc(func(p []byte) (int, error) {
		writes = append(writes, string(p))
		return len(p), nil
	})}
	s.resize(20, 5)
	s.draw("one\ntwo")
	s.draw("one\ntwo") // nothing changed: nothing written
	s.draw("one\nthree")
	s.resize(30, 5)
	s.draw("one\nthree")
	if len(writes) != 3 {
		t.Fatalf("%d writes %q, want 3", len(writes), writes)
	}
	for i, w := range writes {
		if !strings.HasPrefix(w, syncBegin) || !strings.HasSuffix(w, syncEnd) || strings.Count(w, syncBegin) != 1 || strings.Count(w, syncEnd) != 1 {
			t.Errorf("write %d is %q: want it within one %q … %q", i+1, w, syncBegin, syncEnd)
		}
	}
	if !strings.Contains(writes[2], ansi.EraseEntireScreen) {
		t.Errorf("the write after a resize is %q: want the erase in the same update", writes[2])
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
