package ui

import (
	"math"
	"slices"
	"strings"
	"time"

	"downtime/monitor"
)

// bars are the eight heights of a sparkline cell. A received probe is at
// least the lowest bar, so it never reads as a gap or a loss.
var bars = [8]string{"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"}

// minSpan is the least ratio between the top and the bottom of a
// sparkline scale: hosts that all sit within a few percent of each other
// are drawn near the middle, not stretched into noise.
const minSpan = 4.0

// sparkScale maps RTTs to bar heights on a logarithmic scale shared by the
// rows on screen. Logarithmic, so that a LAN host at 0.4 ms and a WAN host
// at 40 ms both show their trend, and shared, so the 40 ms host still draws
// higher than the 0.4 ms one.
type sparkScale struct {
	lo, span float64 // log of the bottom; log of top/bottom
	ok       bool
	max      monitor.Sample // the top: a reply above it is an outlier
	// steps are the samples where each bar above the lowest begins, so
	// drawing a cell compares integers instead of taking a logarithm.
	steps [7]monitor.Sample
}

// scalePercentile is the share of a row's replies the shared scale must
// hold: one slow reply in a hundred is drawn as an outlier (markOutlier)
// above the scale, not allowed to flatten every row on screen.
const scalePercentile = 0.95

// scaleHeadroom puts the top of the scale this far above the percentile,
// so the ordinary jitter of the slowest row stays on the scale and ▲ is
// kept for replies well above the rest.
const scaleHeadroom = 1.5

// rowRange widens [lo, hi] to the received RTTs among the last n samples
// of one row: lo to their least, hi to their high percentile
// (scalePercentile, nearest rank below), so that a row's own rare spikes do
// not set the top but a host that is slow all along does. lo == 0 means
// nothing received yet. scratch is reused between rows.
func rowRange(samples []monitor.Sample, n int, lo, hi *monitor.Sample, scratch *[]monitor.Sample) {
	if len(samples) > n {
		samples = samples[len(samples)-n:]
	}
	got := (*scratch)[:0]
	for _, x := range samples {
		if x != monitor.Lost {
			got = append(got, x)
		}
	}
	*scratch = got
	if len(got) == 0 {
		return
	}
	slices.Sort(got)
	if *lo == 0 || got[0] < *lo {
		*lo = got[0]
	}
	p := got[int(scalePercentile*float64(len(got)-1))]
	*hi = max(*hi, min(got[len(got)-1], monitor.Sample(float64(p)*scaleHeadroom)))
}

// newSparkScale builds the scale over the samples between lo and hi (µs);
// lo == 0 means nothing was received.
func newSparkScale(lo, hi monitor.Sample) sparkScale {
	if lo == 0 {
		return sparkScale{}
	}
	l, h := float64(lo), float64(hi)
	if h/l < minSpan {
		mid := math.Sqrt(l * h)
		l, h = mid/math.Sqrt(minSpan), mid*math.Sqrt(minSpan)
	}
	s := sparkScale{lo: math.Log(l), span: math.Log(h / l), ok: true, max: max(hi, monitor.Sample(math.Ceil(h)))}
	for k := range s.steps {
		s.steps[k] = monitor.Sample(math.Ceil(math.Exp(s.lo + s.span*float64(k+1)/8)))
	}
	return s
}

// level is the bar height (0–7) of a received sample.
func (s *sparkScale) level(x monitor.Sample) int {
	if !s.ok {
		return 0
	}
	n := 0
	for n < len(s.steps) && x >= s.steps[n] {
		n++
	}
	return n
}

// top is the RTT at the top of the scale, for the column head.
func (s sparkScale) top() time.Duration {
	if !s.ok {
		return 0
	}
	return time.Duration(math.Exp(s.lo+s.span)) * time.Microsecond
}

// outlier reports a reply above the scale's top.
func (s *sparkScale) outlier(x monitor.Sample) bool { return s.ok && x > s.max }

// writeSpark draws the last w samples right-aligned in w cells: bars for
// replies, a warning ▲ for a reply above the scale, a red ✕ for each lost
// probe, blank where there is no sample yet.
func writeSpark(b *strings.Builder, samples []monitor.Sample, w int, sc *sparkScale, rp *rowPaint) {
	if len(samples) > w {
		samples = samples[len(samples)-w:]
	}
	if pad := w - len(samples); pad > 0 {
		rp.gap.put(b, spaces(pad))
	}
	for i := 0; i < len(samples); {
		j := i
		if samples[i] == monitor.Lost {
			for j < len(samples) && samples[j] == monitor.Lost {
				j++
			}
			rp.lost.put(b, strings.Repeat(markLost, j-i))
		} else if sc.outlier(samples[i]) {
			for j < len(samples) && samples[j] != monitor.Lost && sc.outlier(samples[j]) {
				j++
			}
			rp.outlier.put(b, strings.Repeat(markOutlier, j-i))
		} else {
			b.WriteString(rp.bar.pre)
			for j < len(samples) && samples[j] != monitor.Lost && !sc.outlier(samples[j]) {
				b.WriteString(bars[sc.level(samples[j])])
				j++
			}
			b.WriteString(rp.bar.post)
		}
		i = j
	}
}

// chart is the detail view's latency chart: bars on a linear scale from
// 0, newest on the right, and a row under them marking lost probes.
type chart struct {
	top    time.Duration // RTT at the top of the chart
	cols   []chartCol    // at most width, drawn right-aligned
	width  int
	height int
}

type chartCol struct {
	rtt  time.Duration // highest RTT received in the column; 0 if none
	lost int           // lost probes in the column
}

// newChart lays samples out over w columns and h rows: one column per
// probe while they fit, so the chart fills from the right as probes come;
// beyond that each column shows its bucket's worst RTT, so a spike is
// never averaged away, and is marked lost if any probe in it was.
func newChart(samples []monitor.Sample, w, h int) chart {
	n := len(samples)
	c := chart{cols: make([]chartCol, min(n, w)), width: w, height: h}
	var hi time.Duration
	for x := range c.cols {
		from, to := x, x+1
		if n > w {
			from, to = x*n/w, (x+1)*n/w
		}
		col := &c.cols[x]
		for _, s := range samples[from:to] {
			if s == monitor.Lost {
				col.lost++
				continue
			}
			col.rtt = max(col.rtt, s.RTT())
		}
		hi = max(hi, col.rtt)
	}
	c.top = niceCeil(hi)
	return c
}

// niceCeil rounds d up to a round number of microseconds (1, 1.2, 1.5, 2,
// 2.5, 3, 4, 5, 6 or 8 times a power of ten), so the axis reads easily and
// the bars use most of the chart's height.
func niceCeil(d time.Duration) time.Duration {
	if d <= 0 {
		return time.Millisecond
	}
	us := max(float64(d.Microseconds()), 1)
	p := math.Pow(10, math.Floor(math.Log10(us)))
	for _, m := range []float64{1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10} {
		if us <= m*p {
			return time.Duration(m*p) * time.Microsecond
		}
	}
	return time.Duration(10*p) * time.Microsecond
}

// axisLabel is row r's part of a chart's RTT axis, w wide: the top's RTT
// on the first of height rows, 0 on the last, half the top in the middle
// of a chart of 5 rows or more.
func axisLabel(r, height int, top time.Duration, w int) string {
	label := ""
	switch r {
	case 0:
		label = formatRTT(top)
	case height - 1:
		label = "0"
	case height / 2:
		if height >= 5 {
			label = formatRTT(top / 2)
		}
	}
	return fitRight(label, w-1) + "┤"
}

// lines renders the chart with its axis: h rows of bars, then the loss row.
func (c chart) lines(st *Styles) []string {
	const axisW = 7 // "123ms ┤"
	out := make([]string, 0, c.height+1)
	var b strings.Builder
	for r := range c.height {
		b.Reset()
		st.chartAxis.put(&b, axisLabel(r, c.height, c.top, axisW))
		b.WriteString(spaces(c.width - len(c.cols)))
		b.WriteString(st.chartBar.pre)
		floor := (c.height - 1 - r) * 8 // eighths below this row
		for _, col := range c.cols {
			if col.rtt <= 0 {
				b.WriteByte(' ')
				continue
			}
			eighths := max(1, int(float64(col.rtt)/float64(c.top)*float64(c.height*8)+0.5))
			switch fill := eighths - floor; {
			case fill <= 0:
				b.WriteByte(' ')
			case fill >= 8:
				b.WriteString(bars[7])
			default:
				b.WriteString(bars[fill-1])
			}
		}
		b.WriteString(st.chartBar.post)
		out = append(out, b.String())
	}
	b.Reset()
	st.chartAxis.put(&b, fitRight("lost", axisW-1)+"┤")
	b.WriteString(spaces(c.width - len(c.cols)))
	for _, col := range c.cols {
		if col.lost > 0 {
			st.chartLost.put(&b, markLost)
		} else {
			b.WriteByte(' ')
		}
	}
	out = append(out, b.String())
	return out
}
