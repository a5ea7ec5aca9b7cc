package ui

import (
	"slices"
	"strings"
	"time"

	"downtime/history"
)

// chartRange is what the detail view's chart shows: the last probes from
// memory, or a span of history from the state file (keys 1–4).
type chartRange uint8

// The chart ranges, in the order of their keys.
const (
	rangeProbes chartRange = iota // 1: the last 120 probes
	range24h                      // 2
	range7d                       // 3
	range30d                      // 4
)

// span is how far back the range reaches; 0 for the probes.
func (r chartRange) span() time.Duration {
	switch r {
	case range24h:
		return 24 * time.Hour
	case range7d:
		return 7 * 24 * time.Hour
	case range30d:
		return 30 * 24 * time.Hour
	}
	return 0
}

func (r chartRange) label() string {
	switch r {
	case range24h:
		return "24 h"
	case range7d:
		return "7 d"
	case range30d:
		return "30 d"
	}
	return "probes"
}

// rangeOfKey maps "1"–"4" to a range.
func rangeOfKey(k string) (chartRange, bool) {
	if len(k) == 1 && k[0] >= '1' && k[0] <= '4' {
		return chartRange(k[0] - '1'), true
	}
	return 0, false
}

// The cells of a history chart, SmokePing's picture in characters: the
// median of each column is a line, the spread between the fastest and the
// slowest reply is shaded, and the row under it says how much was lost, or
// that the host was down, or that nobody watched. Each mark is its own
// character, so the chart reads without colour.
const (
	cellMedian  = "━"
	cellSpread  = "░"
	cellAbove   = "↑" // the spread goes above the top of the scale
	lossNone    = " "
	lossSome    = "." // under 5 %
	lossMore    = ":" // under 50 %
	lossMost    = "▒" // 50 % and more, not all
	lossAll     = "✕" // every probe lost
	markDown    = "▼" // an outage in the column
	markUnknown = "?" // not watched at all
)

// histCol is one column of a history chart.
type histCol struct {
	slot    history.Slot // the column's slots merged; Sent 0 when none
	down    bool         // an outage overlaps the column
	watched bool
}

// histChart lays a range of history out over w columns and h rows, oldest
// on the left, now on the right.
type histChart struct {
	cols          []histCol
	top           time.Duration
	width, height int
	from, to      time.Time
}

// newHistChart bins slots and outages over [from, to) into w columns.
func newHistChart(slots []history.Slot, outages []history.Interval, from, to time.Time, w, h int) histChart {
	c := histChart{cols: make([]histCol, max(w, 1)), width: max(w, 1), height: h, from: from, to: to}
	step := to.Sub(from) / time.Duration(c.width)
	if step <= 0 {
		return c
	}
	byCol := make([][]history.Slot, c.width)
	for _, s := range slots {
		// A slot shorter than a column belongs to the column of its
		// middle; a longer one (an hour over a day's chart) to each column
		// it covers, which keeps every ratio the columns show.
		x0 := int(s.At.Add(s.Span/2).Sub(from) / step)
		x1 := x0
		if s.Span > step {
			x0 = int(s.At.Sub(from) / step)
			x1 = int((s.End().Sub(from) - 1) / step)
		}
		for x := max(x0, 0); x <= min(x1, c.width-1); x++ {
			byCol[x] = append(byCol[x], s)
		}
	}
	var p95s []time.Duration
	for x := range c.cols {
		at := from.Add(time.Duration(x) * step)
		col := &c.cols[x]
		col.slot = history.Merge(at, step, byCol[x])
		col.watched = col.slot.Watched > 0
		for _, o := range outages {
			end := o.End
			if end.IsZero() {
				end = to
			}
			if o.Start.Before(at.Add(step)) && end.After(at) {
				col.down = col.watched
			}
		}
		if col.slot.Received() > 0 {
			p95s = append(p95s, col.slot.P95)
		}
	}
	// The scale: the columns' 95th percentiles, not their slowest replies,
	// so that the medians use the height and one spike does not flatten a
	// month (issue 10 item 8); a spread that passes the top is marked.
	if len(p95s) > 0 {
		slices.Sort(p95s)
		hi := p95s[len(p95s)-1]
		typical := p95s[min(len(p95s)-1, len(p95s)*95/100)]
		c.top = niceCeil(min(hi, 3*typical))
	}
	return c
}

// lines renders the chart: h rows with an RTT axis, then the loss row.
func (c histChart) lines(st *Styles) []string {
	const axisW = 7
	out := make([]string, 0, c.height+1)
	var b strings.Builder
	rowOf := func(d time.Duration) int { // 0 at the bottom
		if c.top <= 0 {
			return 0
		}
		return min(int(float64(d)/float64(c.top)*float64(c.height)), c.height-1)
	}
	for r := range c.height {
		b.Reset()
		st.chartAxis.put(&b, axisLabel(r, c.height, c.top, axisW))
		level := c.height - 1 - r
		for _, col := range c.cols {
			s := col.slot
			if s.Received() == 0 {
				b.WriteByte(' ')
				continue
			}
			lo, med, hi := rowOf(s.Min), rowOf(s.P50), rowOf(s.Max)
			switch {
			case level == med:
				c.median(st, &b, s)
			case level == c.height-1 && s.Max > c.top:
				st.chartSpread.put(&b, cellAbove)
			case level >= lo && level <= hi:
				st.chartSpread.put(&b, cellSpread)
			default:
				b.WriteByte(' ')
			}
		}
		out = append(out, b.String())
	}
	b.Reset()
	st.chartAxis.put(&b, fitRight("loss", axisW-1)+"┤")
	for _, col := range c.cols {
		s := col.slot
		switch {
		case !col.watched:
			st.chartAxis.put(&b, markUnknown)
		case col.down:
			st.chartLost.put(&b, markDown)
		case s.Lost == 0:
			b.WriteString(lossNone)
		case s.Lost == s.Sent:
			st.chartLost.put(&b, lossAll)
		case s.Lost*100 < 5*s.Sent:
			st.chartLossSome.put(&b, lossSome)
		case s.Lost*100 < 50*s.Sent:
			st.chartLossSome.put(&b, lossMore)
		default:
			st.chartLost.put(&b, lossMost)
		}
	}
	out = append(out, b.String())
	return out
}

// median draws a column's median cell, coloured by the column's loss as
// SmokePing does (the loss row says the same without colour).
func (c histChart) median(st *Styles, b *strings.Builder, s history.Slot) {
	switch {
	case s.Lost == 0:
		st.chartBar.put(b, cellMedian)
	case s.Lost*100 < 50*s.Sent:
		st.chartLossSome.put(b, cellMedian)
	default:
		st.chartLost.put(b, cellMedian)
	}
}

// chartLegend explains the marks, as much as fits in w.
func chartLegend(w int) string {
	full := "   " + cellMedian + " median  " + cellSpread + " min–max  loss " + lossSome + " <5% " + lossMore + " <50% " + lossMost + " more " + lossAll + " all  " + markDown + " down  " + markUnknown + " not watched"
	if width(full) <= w {
		return full
	}
	return fit("   "+cellMedian+" median "+cellSpread+" spread "+markDown+" down "+markUnknown+" unwatched "+lossSome+":"+lossMost+lossAll+" loss", w)
}
