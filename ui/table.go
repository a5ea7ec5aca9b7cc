package ui

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"downtime/monitor"
	"downtime/probe"
)

// sortOrder is the order of the table's rows; "s" cycles through them.
type sortOrder uint8

// The sort orders, in the order "s" cycles through them.
const (
	sortConfig sortOrder = iota
	sortDownFirst
	sortName
	sortRTT
	sortLoss
	sortOrders // count
)

func (s sortOrder) String() string {
	switch s {
	case sortConfig:
		return "config order"
	case sortDownFirst:
		return "down first"
	case sortName:
		return "name"
	case sortRTT:
		return "RTT"
	case sortLoss:
		return "loss"
	}
	return "?"
}

// tableModel is the wall of hosts. Everything that depends on the whole
// host list (filter, sort, widest name) is computed once per snapshot in
// setHosts; View touches only the rows on screen.
type tableModel struct {
	c *common

	hosts []*monitor.HostView // the snapshot's hosts, immutable
	rows  []int32             // indexes into hosts: filtered, sorted

	cursor   int          // selected row
	offset   int          // first row on screen
	height   int          // rows on screen
	selected probe.HostID // the host under the cursor, followed across re-sorts
	want     probe.HostID // a host to select as soon as it appears (just added)

	sort   sortOrder
	filter string

	nameW, addrW int // widest name and address, in cells (capped)

	scratch []monitor.Sample // View's buffer for the sparkline scale
}

// setHosts takes a new snapshot's host list.
func (t *tableModel) setHosts(hosts []*monitor.HostView) {
	t.hosts = hosts
	t.nameW, t.addrW = 0, 0
	for _, v := range hosts {
		// Cheap upper bounds first: width is only measured when it could
		// widen the column.
		if len(v.Name) > t.nameW && t.nameW < nameMax {
			t.nameW = max(t.nameW, width(v.Name))
		}
		// An address that is the name says nothing new: when every host
		// is named by its address the column goes.
		if len(v.Address) > t.addrW && t.addrW < addrMax && v.Address != v.Name {
			t.addrW = max(t.addrW, width(v.Address))
		}
	}
	t.rebuild(false)
}

// reindex rebuilds the rows from hosts with the filter and sort order, and
// puts the cursor back on the selected host: always after the user's own
// re-sort or filter; after a snapshot only while the host is still on
// screen. A selected host that recovers and sorts back to its place far
// below would otherwise scroll the DOWN hosts out of sight; the cursor
// keeps its row instead.
func (t *tableModel) reindex() { t.rebuild(true) }

func (t *tableModel) rebuild(follow bool) {
	t.rows = t.rows[:0]
	for i, v := range t.hosts {
		if t.filter == "" || containsFold(v.Name, t.filter) || containsFold(v.Address, t.filter) {
			t.rows = append(t.rows, int32(i))
		}
	}
	if cmpf := t.compare(); cmpf != nil {
		slices.SortFunc(t.rows, cmpf)
	}

	if t.want != 0 {
		if i := t.find(t.want); i >= 0 {
			t.selected, t.want, follow = t.want, 0, true
		}
	}
	if i := t.find(t.selected); i >= 0 && (follow || (i >= t.offset && i < t.offset+max(1, t.height))) {
		t.cursor = i
	}
	t.cursor = clamp(t.cursor, 0, max(0, len(t.rows)-1))
	t.selected = 0
	if v := t.current(); v != nil {
		t.selected = v.ID
	}
	t.scroll()
}

// find returns the row of host id, or -1.
func (t *tableModel) find(id probe.HostID) int {
	if id == 0 {
		return -1
	}
	for i, r := range t.rows {
		if t.hosts[r].ID == id {
			return i
		}
	}
	return -1
}

// compare is the row order; nil keeps the config order.
func (t *tableModel) compare() func(a, b int32) int {
	h := t.hosts
	switch t.sort {
	case sortDownFirst:
		return func(a, b int32) int {
			va, vb := h[a], h[b]
			if c := cmp.Compare(downRank(va.State), downRank(vb.State)); c != 0 {
				return c
			}
			if va.State == monitor.Down { // the longest outage first
				if c := va.DownSince.Compare(vb.DownSince); c != 0 {
					return c
				}
			}
			return cmp.Compare(a, b)
		}
	case sortName:
		return func(a, b int32) int {
			if c := compareFold(h[a].Name, h[b].Name); c != 0 {
				return c
			}
			return cmp.Compare(a, b)
		}
	case sortRTT: // slowest first; hosts without a reply last
		return func(a, b int32) int {
			va, vb := h[a], h[b]
			if na, nb := va.Received == 0, vb.Received == 0; na != nb {
				if na {
					return 1
				}
				return -1
			}
			if c := cmp.Compare(vb.Avg, va.Avg); c != 0 {
				return c
			}
			return cmp.Compare(a, b)
		}
	case sortLoss: // worst first
		return func(a, b int32) int {
			if c := cmp.Compare(h[b].Loss, h[a].Loss); c != 0 {
				return c
			}
			return cmp.Compare(a, b)
		}
	}
	return nil
}

// downRank orders states for "down first": DOWN hosts on top, the others
// keep the config order, so pausing or resuming a host does not move it.
func downRank(s monitor.State) int {
	if s == monitor.Down {
		return 0
	}
	return 1
}

// current is the selected host, or nil when no row is shown.
func (t *tableModel) current() *monitor.HostView {
	if t.cursor < 0 || t.cursor >= len(t.rows) {
		return nil
	}
	return t.hosts[t.rows[t.cursor]]
}

// setHeight sets how many rows fit on screen.
func (t *tableModel) setHeight(h int) {
	t.height = max(1, h)
	t.scroll()
}

// moveTo puts the cursor on row i (clamped).
func (t *tableModel) moveTo(i int) {
	if len(t.rows) == 0 {
		return
	}
	t.cursor = clamp(i, 0, len(t.rows)-1)
	t.selected = t.hosts[t.rows[t.cursor]].ID
	t.scroll()
}

// move moves the cursor by d rows.
func (t *tableModel) move(d int) { t.moveTo(t.cursor + d) }

// scroll keeps the cursor on screen and the screen full.
func (t *tableModel) scroll() {
	h := max(1, t.height)
	if t.cursor < t.offset {
		t.offset = t.cursor
	}
	if t.cursor >= t.offset+h {
		t.offset = t.cursor - h + 1
	}
	t.offset = clamp(t.offset, 0, max(0, len(t.rows)-h))
}

// view draws the column heads and the rows on screen, height lines in all.
func (t *tableModel) view(b *strings.Builder, lines int) {
	st := &t.c.styles
	l := computeLayout(t.c.width, t.nameW, t.addrW)
	if lines < 1 {
		return
	}
	n := lines - 1 // the column heads
	from, to := t.offset, min(t.offset+n, len(t.rows))

	var lo, hi monitor.Sample
	if l.spark > 0 {
		for i := from; i < to; i++ {
			if v := t.hosts[t.rows[i]]; v.State != monitor.Paused {
				rowRange(v.Samples, l.spark, &lo, &hi, &t.scratch)
			}
		}
	}
	sc := newSparkScale(lo, hi)

	t.writeHeads(b, l, sc, scrollMark(from, to-from, len(t.rows)))
	written := 0
	for i := from; i < to; i++ {
		b.WriteByte('\n')
		t.writeRow(b, t.hosts[t.rows[i]], i == t.cursor, l, sc)
		written++
	}
	if len(t.rows) == 0 && n > 0 {
		msg := "no hosts: press a to add one"
		if t.filter != "" {
			msg = "no host matches “" + t.filter + "” (esc clears the filter)"
		}
		b.WriteString("\n" + spaces(prefixW))
		b.WriteString(st.Faint.Render(fit(msg, t.c.width-prefixW)))
		written++
	}
	for ; written < n; written++ {
		b.WriteByte('\n')
	}
}

// writeHeads writes the column heads; the sparkline's head names the top
// of its scale when there is room, and mark, at the right end, says that
// more rows exist than the screen shows.
func (t *tableModel) writeHeads(b *strings.Builder, l layout, sc sparkScale, mark string) {
	var h strings.Builder
	h.WriteString(spaces(prefixW))
	h.WriteString(fit("HOST", l.name))
	if l.addr > 0 {
		h.WriteString(" " + fit("ADDRESS", l.addr))
	}
	h.WriteString(" " + fitRight("LAST", l.last))
	if l.avg > 0 {
		h.WriteString(" " + fitRight("AVG", l.avg))
	}
	h.WriteString(" " + fitRight("LOSS", l.loss))
	if l.spark > 0 {
		head := "LATENCY"
		if top := sc.top(); top > 0 && l.spark >= len(head)+8 {
			head += " ≤" + formatRTT(top)
		}
		h.WriteString(" " + fit(head, l.spark))
	}
	h.WriteString(" " + fit("FOR", l.timer))
	heads := strings.TrimRight(fit(h.String(), t.c.width), " ")
	if mark == "" || width(mark) >= t.c.width {
		b.WriteString(t.c.styles.Faint.Render(heads))
		return
	}
	if width(heads)+2+width(mark) > t.c.width {
		heads = fit(heads, t.c.width-width(mark)-2)
	}
	b.WriteString(t.c.styles.Faint.Render(heads))
	b.WriteString(spaces(t.c.width - width(heads) - width(mark)))
	b.WriteString(t.c.styles.Key.Render(mark))
}

// writeRow draws one host. Every cell is written at its exact width, so a
// row never wraps whatever its name holds.
func (t *tableModel) writeRow(b *strings.Builder, v *monitor.HostView, selected bool, l layout, sc sparkScale) {
	rp := t.c.styles.row(v.State, selected)
	now := t.c.now
	used := 0
	cell := func(p paint, s string, w int) {
		p.put(b, s)
		used += w
	}
	left := func(p paint, s string, w int) { p.putFit(b, s, w, false); used += w }
	right := func(p paint, s string, w int) { p.putFit(b, s, w, true); used += w }
	gap := func() { cell(rp.gap, " ", 1) }

	cursor := " "
	if selected {
		cursor = markCursor
	}
	cell(rp.cursor, cursor, 1)
	cell(rp.glyph, glyph(v.State), 1)
	gap()
	left(rp.name, withMark(v.Name, t.c.silenced.marks(v.Name), l.name), l.name)
	if l.addr > 0 {
		gap()
		left(rp.dim, v.Address, l.addr)
	}

	if v.State == monitor.Paused {
		// The statistics of a paused host are old news: one note instead.
		span := l.last + 1 + l.loss
		for _, c := range []int{l.avg, l.spark} {
			if c > 0 {
				span += 1 + c
			}
		}
		gap()
		left(rp.dim, "paused by you at "+formatStamp(v.PausedAt, now), span)
	} else {
		gap()
		if v.State == monitor.Down && v.LastErr != "" {
			// A DOWN host has no RTT to show: why it is down takes the
			// RTT columns (the detail view says it in full).
			span := l.last
			if l.avg > 0 {
				span += 1 + l.avg
			}
			left(rp.timer, shortReason(v.LastErr), span)
		} else {
			last := none
			if v.Sent > 0 {
				last = formatRTT(v.Last)
			}
			right(rp.num, last, l.last)
			if l.avg > 0 {
				gap()
				avg := none
				if v.Received > 0 {
					avg = formatRTT(v.Avg)
				}
				right(rp.num, avg, l.avg)
			}
		}
		gap()
		right(rp.num, formatLoss(v.Loss, v.Sent), l.loss)
		if l.spark > 0 {
			gap()
			writeSpark(b, v.Samples, l.spark, &sc, rp)
			used += l.spark
		}
	}
	gap()
	left(rp.timer, timer(v, now, l.shortTimer), l.timer)
	if selected && used < t.c.width {
		cell(rp.gap, spaces(t.c.width-used), t.c.width-used)
	}
}

// shortReason is a probe failure's reason (probe.Reason) cut to fit the
// table's RTT columns: "timeout", "refused", "no such host", "no route",
// "unreachable", "prohibited", "TTL exceeded". The router's address is left
// to the detail view.
func shortReason(reason string) string {
	for _, p := range []struct{ prefix, short string }{
		{"host unreachable from ", "unreachable"},
		{"network unreachable from ", "net unreach"},
		{"no route from ", "no route"},
		{"prohibited by ", "prohibited"},
		{"TTL exceeded at ", "TTL exceeded"},
		{"port unreachable from ", "port unreach"},
		{"protocol unreachable from ", "unreachable"},
	} {
		if strings.HasPrefix(reason, p.prefix) {
			return p.short
		}
	}
	return reason
}

// timer is a host's FOR cell: a live "down 00:12:34" for a DOWN host, the
// time since it came up otherwise.
func timer(v *monitor.HostView, now time.Time, short bool) string {
	var word, d string
	switch v.State {
	case monitor.Down:
		word, d = "down ", formatClock(now.Sub(v.DownSince))
	case monitor.Up:
		word, d = "up ", formatAge(now.Sub(v.Since))
	case monitor.Pending:
		return "pending"
	default:
		return ""
	}
	if short {
		return d
	}
	return word + d
}

// compactView is the table below compactWidth×compactHeight: a glyph, the
// name and what matters most about the host, one line each.
func (t *tableModel) compactView(b *strings.Builder, lines int) {
	w := t.c.width
	from, to := t.offset, min(t.offset+lines, len(t.rows))
	for i := from; i < to; i++ {
		if i > from {
			b.WriteByte('\n')
		}
		v := t.hosts[t.rows[i]]
		rp := t.c.styles.row(v.State, i == t.cursor)
		var status string
		switch v.State {
		case monitor.Down:
			status = formatClock(t.c.now.Sub(v.DownSince))
		case monitor.Up:
			status = formatRTT(v.Last)
			if v.Last == 0 {
				status = markLost
			}
		case monitor.Paused:
			status = "paused"
		default:
			status = "pending"
		}
		sw := width(status)
		nameW := max(1, w-prefixW-1-sw)
		cursor := " "
		if i == t.cursor {
			cursor = markCursor
		}
		rp.cursor.put(b, cursor)
		rp.glyph.put(b, glyph(v.State))
		rp.gap.put(b, " ")
		rp.name.put(b, fit(v.Name, nameW))
		rp.gap.put(b, " ")
		rp.timer.put(b, fit(status, max(0, w-prefixW-nameW-1)))
	}
	for i := max(to-from, 1); i < lines; i++ {
		b.WriteByte('\n')
	}
}
