package ui

import (
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

// BenchmarkView4000 draws the table of 4,000 hosts in a 200×50 pane (the
// size of the performance budget's TUI run): only the rows on screen are
// built, so the cost does not grow with the host count.
func BenchmarkView4000(b *testing.B) {
	m, _ := newTest(b, 200, 50, fixture(b, 4000), Options{})
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
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
