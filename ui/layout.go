package ui

import "downtime/monitor"

// Column widths of the host table, in cells.
const (
	prefixW      = 3  // cursor, glyph, space
	rttW         = 6  // "123ms", "4.2ms", "420µs", "1.23s"
	lossW        = 4  // "100%"
	timerW       = 13 // "down 00:12:34", "up 3d 04:10"
	shortTimerW  = 8  // "00:12:34"
	nameMin      = 8
	nameNarrow   = 12
	nameMax      = 24
	addrMin      = 9
	addrNarrow   = 15
	addrMax      = 22
	sparkWide    = 16 // below this, long names and addresses are cut
	sparkComfort = 10 // below this, columns are dropped to make room
	sparkMin     = 5  // below this, the sparkline goes
)

// Below these sizes the table becomes a compact list.
const (
	compactWidth  = 40
	compactHeight = 10
)

// layout is the width of each column of the host table; 0 hides a column.
type layout struct {
	name, addr, last, avg, loss, spark, timer int
	shortTimer                                bool // timer without "down "/"up "
}

// computeLayout fits the table's columns into width w, given the widest name
// and address among the hosts. As the pane narrows, the address goes first,
// then the average, then the sparkline shrinks; nothing ever wraps.
func computeLayout(w, nameW, addrW int) layout {
	l := layout{
		name: clamp(nameW, nameMin, nameMax), addr: clamp(addrW, addrMin, addrMax),
		last: rttW, avg: rttW, loss: lossW, timer: timerW,
	}
	if addrW == 0 { // every host is named by its address
		l.addr = 0
	}
	room := func() int { // what is left for the sparkline
		n := prefixW + l.name
		for _, c := range []int{l.addr, l.last, l.avg, l.loss, l.timer} {
			if c > 0 {
				n += 1 + c
			}
		}
		return w - n - 1
	}
	// Each step runs while the sparkline has less than its threshold.
	steps := []struct {
		below int
		do    func()
	}{
		{sparkWide, func() { l.name, l.addr = min(l.name, nameNarrow), min(l.addr, addrNarrow) }},
		{sparkComfort, func() { l.addr = 0 }},
		{sparkComfort, func() { l.avg = 0 }},
	}
	for _, s := range steps {
		if room() < s.below {
			s.do()
		}
	}
	if room() < sparkMin {
		l.name = max(nameMin, l.name+room()-sparkMin)
	}
	if room() < sparkMin {
		l.timer, l.shortTimer = shortTimerW, true
	}
	l.spark = min(room(), monitor.SampleWindow)
	if l.spark < sparkMin {
		l.spark = 0
		if r := room() + 1; r < 0 { // no sparkline and no gap before it; name takes the blow
			l.name = max(1, l.name+r)
		}
	}
	return l
}

func clamp(v, lo, hi int) int {
	return max(lo, min(v, hi))
}
