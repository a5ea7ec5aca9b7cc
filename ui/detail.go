package ui

import (
	"strconv"
	"strings"
	"time"

	"downtime/config"
	"downtime/history"
	"downtime/monitor"
	"downtime/probe"
)

// detailModel is one host over the whole screen: a latency chart, its
// statistics, uptime and outage history.
type detailModel struct {
	c *common

	id   probe.HostID
	host *monitor.HostView // from the latest snapshot

	hist    historyMsg // the last history read for id
	loading bool       // nothing read yet for this host and range
	asking  bool       // a read is on its way
	rng     chartRange // the chart's range (keys 1–4); kept from host to host
	// The host's state and the clock when the history was asked for: a
	// transition since, or a minute, makes it stale.
	histState     monitor.State
	histDownSince time.Time
	askedAt       time.Time
}

// historyRefresh is how often an open detail view reads the history
// again, so that its chart and uptime keep up with the current minute.
const historyRefresh = time.Minute

// chartLines is the latency chart of the range chosen with 1–4: a title,
// h rows and the loss row (a legend takes a row when there are many).
func (d *detailModel) chartLines(h int) []string {
	st, w, v := &d.c.styles, d.c.width, d.host
	keys := "   1–4 range"
	if d.rng == rangeProbes {
		title := "   LATENCY  last " + strconv.Itoa(len(v.Samples)) + " probes, newest on the right"
		if width(title+keys) <= w {
			title += keys
		}
		return append([]string{st.Heading.Render(fit(title, w))}, newChart(v.Samples, max(1, w-9), h).lines(st)...)
	}
	title := "   LATENCY  " + d.rng.label() + ", now on the right"
	if width(title+keys) <= w {
		title += keys
	}
	out := []string{st.Heading.Render(fit(title, w))}
	if d.loading || !d.hist.ok || d.hist.rng != d.rng {
		msg := "     reading the state file…"
		if d.hist.err != nil {
			msg = "     " + d.hist.err.Error()
		}
		out = append(out, st.Faint.Render(fit(msg, w)))
		for range h {
			out = append(out, "")
		}
		return out
	}
	legend := h >= 6
	if legend {
		h--
	}
	c := newHistChart(d.hist.slots, d.hist.intervals, d.hist.from, d.hist.to, max(1, w-9), h)
	out = append(out, c.lines(st)...)
	if legend {
		out = append(out, st.Faint.Render(chartLegend(w)))
	}
	return out
}

// formatUptime is availability over watched time, saying how much of the
// span was not watched when that is more than a couple of minutes (the
// minute being filled is always still in memory).
func formatUptime(s history.Summary, ok bool) string {
	if !ok {
		return none
	}
	a, watched := s.Availability()
	if !watched {
		return none + " (not watched yet)"
	}
	out := formatPct(a, true)
	if s.Unknown >= 2*time.Minute {
		out += " (" + formatSpan(s.Unknown) + " not watched)"
	}
	return out
}

// formatSpan is a rough length: "3m", "2h05m", "4d 03h".
func formatSpan(d time.Duration) string {
	m := int64(d / time.Minute)
	switch {
	case m < 60:
		return strconv.FormatInt(m, 10) + "m"
	case m < 24*60:
		return strconv.FormatInt(m/60, 10) + "h" + string(appendPad2(nil, m%60)) + "m"
	}
	return strconv.FormatInt(m/(24*60), 10) + "d " + string(appendPad2(nil, m/60%24)) + "h"
}

// open shows host v, at now; the caller loads its history.
func (d *detailModel) open(v *monitor.HostView, now time.Time) {
	d.id, d.host = v.ID, v
	d.hist = historyMsg{}
	d.loading = true
	d.asked(v, now)
}

// asked notes that v's history was asked for at now. What is shown stays
// until the answer comes.
func (d *detailModel) asked(v *monitor.HostView, now time.Time) {
	d.asking = true
	d.histState, d.histDownSince, d.askedAt = v.State, v.DownSince, now
}

// stale reports whether the history should be read again at now: the
// host's state changed since it was asked for, so an outage that began or
// ended shows in the list, or historyRefresh passed.
func (d *detailModel) stale(now time.Time) bool {
	return d.host != nil && !d.asking &&
		(d.host.State != d.histState || !d.host.DownSince.Equal(d.histDownSince) || now.Sub(d.askedAt) >= historyRefresh)
}

// setHistory takes a history read; an answer for another host or range is
// dropped.
func (d *detailModel) setHistory(h historyMsg) {
	if h.id != d.id || h.rng != d.rng {
		return
	}
	d.hist, d.loading, d.asking = h, false, false
}

// view draws the host in lines lines.
func (d *detailModel) view(b *strings.Builder, lines int) {
	v := d.host
	if v == nil || lines < 1 {
		return
	}
	st := &d.c.styles
	w := d.c.width
	now := d.c.now
	rp := st.row(v.State, false)
	out := make([]string, 0, lines)

	// The title: state, name, address, how long.
	var t strings.Builder
	t.WriteByte(' ')
	rp.glyph.put(&t, glyph(v.State))
	t.WriteByte(' ')
	head := v.Name
	if v.Address != v.Name || v.Resolved.IsValid() {
		head += "  " + v.ShownAddress()
	}
	var state string
	switch v.State {
	case monitor.Down:
		state = "DOWN for " + formatClock(now.Sub(v.DownSince)) + " (since " + formatStamp(v.DownSince, now) + ")"
	case monitor.Up:
		state = "up for " + formatAge(now.Sub(v.Since)) + " (since " + formatStamp(v.Since, now) + ")"
	case monitor.Paused:
		state = "paused by you at " + formatStamp(v.PausedAt, now)
	default:
		state = "pending: no verdict yet"
	}
	if width(head)+3+width(state) <= w-3 {
		rp.name.put(&t, fit(head+"   "+state, w-3))
		out = append(out, t.String())
	} else { // a narrow pane: the state on a line of its own
		rp.name.put(&t, fit(head, w-3))
		out = append(out, t.String(), rp.name.pre+fit("   "+state, w)+rp.name.post)
	}

	// Statistics over the window; on a narrow pane they wrap between two
	// figures.
	loss := "loss " + formatLoss(v.Loss, v.Sent)
	if v.Sent > 0 {
		loss += " (" + strconv.Itoa(v.Sent-v.Received) + "/" + strconv.Itoa(v.Sent) + ")"
	}
	out = append(out, flowItems([]string{
		"last " + orNone(v.Last, v.Sent > 0),
		"min " + orNone(v.Min, v.Received > 0),
		"avg " + orNone(v.Avg, v.Received > 0),
		"max " + orNone(v.Max, v.Received > 0),
		"jitter " + orNone(v.Jitter, v.Received > 1),
		loss,
	}, w, "   ", "  ")...)

	// Uptime, where the host comes from, why the last probe failed.
	up := []string{"uptime 24 h " + formatUptime(d.hist.sum24, d.hist.ok), "7 d " + formatUptime(d.hist.sum7d, d.hist.ok)}
	if d.loading {
		up = []string{"uptime: reading the state file…"}
	}
	out = append(out, flowItems(up, w, "   ", "   ")...)
	extra := []string{origin(v.Origin)}
	if v.Parent != "" {
		extra = append(extra, "parent "+v.Parent)
	}
	if v.LastErr != "" {
		extra = append(extra, "last error: "+v.LastErr)
	}
	extra = append(extra, d.c.silenced.silenceNotes(v.Name, now)...)
	for _, l := range flowItems(extra, w, "   ", " · ") {
		out = append(out, st.Faint.Render(l))
	}

	// Budget the rest: the chart takes a blank line, a title, its rows
	// and the loss row; the outages a blank line, a title and their rows.
	avail := lines - len(out)
	outages := d.outageLines(now)
	outRows := clamp(len(outages), 1, max(1, (avail-5)/3))
	chartH := min(avail-5-outRows, 20)
	outTitleOnly := false
	switch {
	case chartH < 3 && d.rng != rangeProbes && avail >= 7:
		// A history chart was asked for (1–4): it takes the room and the
		// outages keep only their heading.
		chartH, outRows, outTitleOnly = avail-4, 0, true
	case chartH < 3: // too short for a chart: the list takes it all
		chartH, outRows = 0, avail-2
	default:
		outRows = avail - 5 - chartH
	}

	if chartH > 0 {
		out = append(out, "")
		out = append(out, d.chartLines(chartH)...)
	}
	if outRows > 0 || outTitleOnly {
		title := "   OUTAGES"
		if d.hist.ok {
			title += "  " + strconv.Itoa(len(d.hist.outages)) + " recorded, newest first"
		}
		if outTitleOnly {
			out = append(out, st.Heading.Render(fit(title+" (1 lists them)", w)))
		} else {
			out = append(out, "", st.Heading.Render(fit(title, w)))
		}
	}
	if outRows > 0 {
		if len(outages) > outRows {
			more := len(outages) - outRows + 1
			outages = append(outages[:outRows-1:outRows-1], st.Faint.Render(fit("     … "+strconv.Itoa(more)+" older", w)))
		}
		out = append(out, outages...)
	}

	for i := range min(len(out), lines) {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(out[i])
	}
	for i := len(out); i < lines; i++ {
		b.WriteByte('\n')
	}
}

// outageLines is the outage history: start, end (or "ongoing"), length.
func (d *detailModel) outageLines(now time.Time) []string {
	st := &d.c.styles
	w := d.c.width
	switch {
	case d.loading:
		return []string{st.Faint.Render(fit("     reading the state file…", w))}
	case d.hist.err != nil:
		return []string{st.Faint.Render(fit("     "+d.hist.err.Error(), w))}
	case len(d.hist.outages) == 0:
		return []string{st.Faint.Render(fit("     no outage recorded", w))}
	}
	const stampW = 19 // 2006-01-02 15:04:05
	lines := make([]string, 0, len(d.hist.outages)+1)
	lines = append(lines, st.Faint.Render(fit("     "+fit("START", stampW)+"   "+fit("END", stampW)+"   LENGTH", w)))
	for _, o := range d.hist.outages {
		start := o.Start.In(now.Location()).Format("2006-01-02 15:04:05")
		if o.End.IsZero() {
			line := "     " + start + "   " + fit("ongoing", stampW) + "   " + formatClock(now.Sub(o.Start))
			lines = append(lines, st.Down.Render(fit(line, w)))
			continue
		}
		end := o.End.In(now.Location()).Format("2006-01-02 15:04:05")
		lines = append(lines, fit("     "+start+"   "+end+"   "+formatClock(o.End.Sub(o.Start)), w))
	}
	return lines
}

func orNone(d time.Duration, ok bool) string {
	if !ok {
		return none
	}
	return formatRTT(d)
}

// origin says where a host was defined, and so whether "d" may remove it.
func origin(o config.Origin) string {
	if o == config.OriginRuntime {
		return o.Describe() + " (d removes it)"
	}
	return o.Describe()
}
