package ui

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"downtime/probe"
)

// Tracer traces the path to a host, round by round (a *probe.Engine).
type Tracer interface {
	TraceTarget(id probe.HostID) (netip.Addr, bool)
	TraceRound(ctx context.Context, p *probe.Path, opts probe.TraceOptions) error
}

// traceEvery is how often the live trace starts a round, as mtr does.
const traceEvery = time.Second

// traceModel is the live trace of one host, mtr-style: the detail view's
// `t` opens it, esc goes back. Each round runs in a tea.Cmd on a copy of
// the path and comes back as a traceRoundMsg.
type traceModel struct {
	c      *common
	tracer Tracer
	ctx    context.Context

	name, address string
	path          *probe.Path
	endsHere      bool // the path's last answer is this machine's own (probe.IsLocal)
	err           string
	gen           int // counts the traces opened: a round of an earlier one is dropped
	open          bool
}

// traceRoundMsg is a finished round of the live trace.
type traceRoundMsg struct {
	gen      int
	path     *probe.Path
	endsHere bool // see traceModel.endsHere; found in the round's Cmd, not in Update
	err      error
}

// traceTickMsg starts the next round.
type traceTickMsg struct{ gen int }

// start opens the live trace of a host; the returned Cmd runs its first
// round. Without a tracer or an ICMP address it says why instead.
func (t *traceModel) start(id probe.HostID, name, address string) tea.Cmd {
	t.gen++
	t.open, t.name, t.address, t.path, t.err = true, name, address, nil, ""
	if t.tracer == nil {
		t.err = "no tracing here: traces need ICMP (not --demo)"
		return nil
	}
	addr, ok := t.tracer.TraceTarget(id)
	if !ok {
		t.err = "only ICMP hosts with a resolved address can be traced (not tcp://)"
		return nil
	}
	t.path = &probe.Path{Dest: addr}
	return t.round()
}

// stop closes the live trace; a round in flight is dropped when it comes.
func (t *traceModel) stop() {
	t.open = false
	t.gen++
}

// round runs one round on a copy of the path.
func (t *traceModel) round() tea.Cmd {
	gen, p, tr, ctx := t.gen, t.path.Clone(), t.tracer, t.ctx
	return func() tea.Msg {
		err := tr.TraceRound(ctx, p, probe.TraceOptions{Timeout: traceEvery})
		_, end := p.End()
		return traceRoundMsg{gen: gen, path: p, endsHere: !p.Reached() && probe.IsLocal(end), err: err}
	}
}

// update takes a finished round or the tick for the next one.
func (t *traceModel) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case traceRoundMsg:
		if msg.gen != t.gen || !t.open {
			return nil
		}
		t.path, t.endsHere = msg.path, msg.endsHere
		if msg.err != nil {
			t.err = msg.err.Error()
			return nil
		}
		gen := t.gen
		return tea.Tick(traceEvery, func(time.Time) tea.Msg { return traceTickMsg{gen: gen} })
	case traceTickMsg:
		if msg.gen != t.gen || !t.open {
			return nil
		}
		return t.round()
	}
	return nil
}

// view draws the trace in lines lines.
func (t *traceModel) view(b *strings.Builder, lines int) {
	st := &t.c.styles
	w := t.c.width
	out := []string{st.Heading.Render(fit(" trace "+label(t.name, t.address), w))}
	if t.path != nil {
		rounds := "rounds"
		if t.path.Rounds == 1 {
			rounds = "round"
		}
		out = append(out, st.Faint.Render(fit(fmt.Sprintf(" %d %s · %s", t.path.Rounds, rounds, traceSummary(t.path, t.endsHere)), w)))
	}
	if t.err != "" {
		out = append(out, st.Warn.Render(fit(" "+t.err, w)))
	}
	out = append(out, "")
	if t.path != nil {
		tl := TraceLines(t.path)
		out = append(out, st.Faint.Render(fit(tl[0], w)))
		for _, l := range tl[1:] {
			out = append(out, fit(l, w))
		}
		// What the hops said besides "time exceeded", under the table
		// where it has the whole width.
		for _, h := range t.path.Visible() {
			if h.Err != nil {
				out = append(out, st.Warn.Render(fit(fmt.Sprintf(" hop %d: %s", h.TTL, h.Err), w)))
			}
		}
	}
	for i := range lines {
		if i > 0 {
			b.WriteByte('\n')
		}
		if i < len(out) {
			b.WriteString(out[i])
		}
	}
}

// label is "name (address)", or the name alone when it is the address.
func label(name, address string) string {
	if address == "" || address == name {
		return name
	}
	return name + " (" + address + ")"
}

// traceSummary says where the path ends; endsHere: its last answer is
// this machine's own.
func traceSummary(p *probe.Path, endsHere bool) string {
	if p.Rounds == 0 {
		return "tracing…"
	}
	if p.Reached() {
		return fmt.Sprintf("reached in %d hops", p.DestTTL)
	}
	hop, addr := p.End()
	return probe.EndWords(hop, addr.String(), endsHere)
}

// TraceLines are a path as an mtr-style table, the head first:
//
//	HOP  ADDRESS                   LOSS  SNT    LAST     AVG    BEST   WORST
//	  1  198.18.0.2                  0%    5   0.1ms   0.1ms   0.1ms   0.2ms
//	  3  ???                       100%    5       –       –       –       –
//
// A hop that answered with an error other than "time exceeded" is marked
// "!"; the view says which error under the table.
func TraceLines(p *probe.Path) []string {
	out := []string{fmt.Sprintf(" %3s  %-24s %5s %4s %7s %7s %7s %7s", "HOP", "ADDRESS", "LOSS", "SNT", "LAST", "AVG", "BEST", "WORST")}
	for _, h := range p.Visible() {
		addr := "???"
		if h.Addr.IsValid() {
			addr = h.Addr.String()
		}
		line := fmt.Sprintf(" %3d  %-24s %5s %4d %7s %7s %7s %7s", h.TTL, addr, formatLoss(h.Loss(), h.Sent), h.Sent,
			formatRTT(h.Last), formatRTT(h.Avg()), formatRTT(h.Best), formatRTT(h.Worst))
		if h.Err != nil {
			line += " !"
		}
		out = append(out, line)
	}
	return out
}
