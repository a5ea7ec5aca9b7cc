package ui

import (
	"io"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// BenchmarkView4000 draws the table of 4,000 hosts in a 200×50 pane (the
// size of the performance budget's TUI run): only the rows on screen are
// built, so the cost does not grow with the host count.
func BenchmarkView4000(b *testing.B) {
	m, _ := newTest(b, 200, 50, fixture(b, 4000), Options{})
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		m.viewFresh = false // draw it: a View after a tick that changed nothing is the cache's
		_ = m.View()
	}
}

// BenchmarkSnapshot4000 is the work done once per snapshot message (at most
// ~10 a second): counts, filter and the "down first" sort of 4,000 hosts.
func BenchmarkSnapshot4000(b *testing.B) {
	s1, s2 := fixture(b, 4000), fixture(b, 4000)
	m, _ := newTest(b, 200, 50, s1, Options{})
	msgs := []tea.Msg{SnapshotMsg(s1), SnapshotMsg(s2)}
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		m.Update(msgs[i%2])
		i++
	}
}

// BenchmarkSecond50 is what the UI does in one second at 50 hosts in a
// 120×40 pane with nothing changing but time: the runner's snapshot on the
// second and the clock's tick just after it, each followed by the View
// that Bubble Tea draws after every message.
func BenchmarkSecond50(b *testing.B) {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.TrueColor)
	s := fixture(b, 50)
	m, _ := newTest(b, 120, 40, s, Options{Renderer: r})
	b.ReportAllocs()
	b.ResetTimer()
	t := now
	for b.Loop() {
		t = t.Add(time.Second)
		s.At = t
		m.Update(SnapshotMsg(s))
		_ = m.View()
		m.Update(tickMsg{now: t.Add(tickLag)})
		_ = m.View()
	}
}
