package alert

import (
	"strings"
	"testing"

	"downtime/monitor"
)

// issue 10 item 5 and issue 14 item 2: the DOWN says why, and where the
// path to the host now ends.
func TestDownSaysWhyAndWhereThePathEnds(t *testing.T) {
	for _, tt := range []struct {
		name   string
		reason string
		path   *monitor.PathEnd
		want   []string
		not    []string
	}{
		{"timeout", "timeout", nil, []string{"└ why: timeout"}, []string{"path ends"}},
		{"refused", "refused", nil, []string{"└ why: refused"}, nil},
		{"prohibited and traced", "prohibited by 198.18.0.6", &monitor.PathEnd{Hop: 2, Addr: "198.18.0.6", UsedTo: 3},
			[]string{"└ why: prohibited by 198.18.0.6", "└ path ends at hop 2: 198.18.0.6 (it used to reach hop 3)"}, nil},
		{"no hop answered", "timeout", &monitor.PathEnd{}, []string{"└ no hop answered a trace"}, []string{"used to"}},
		{"escaped", "<b>", nil, []string{"└ why: &lt;b&gt;"}, []string{"<b>"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			pl := newPlan(t, nil)
			tr := pl.tr("core-sw1", monitor.Up, monitor.Down)
			tr.DownSince, tr.Reason, tr.Path = pl.now, tt.reason, tt.path
			pl.p.observe(tr, pl.now)
			text := pl.expect(pl.wait(groupWin), append([]string{"core-sw1 (core-sw1.lan) is DOWN since"}, tt.want...)...)
			for _, n := range tt.not {
				if strings.Contains(text, n) {
					t.Errorf("message has %q:\n%s", n, text)
				}
			}
		})
	}
}
