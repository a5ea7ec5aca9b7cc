package metrics

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// Issue 11 attack 1: log lines dropped because stdout stalled are counted.
func TestLogLinesDropped(t *testing.T) {
	const head = `
# HELP downtime_log_lines_dropped_total Log lines dropped because the log's reader (stdout, the journal) did not keep up; alerts never wait for it.
# TYPE downtime_log_lines_dropped_total counter
`
	for _, c := range []struct {
		opts Options
		want string
	}{
		{Options{LogDropped: func() uint64 { return 12 }}, "downtime_log_lines_dropped_total 12\n"},
		{Options{}, "downtime_log_lines_dropped_total 0\n"},
	} {
		col := NewCollector(fakeSource{snap: testSnapshot(t)}, c.opts)
		if err := testutil.CollectAndCompare(col, strings.NewReader(head+c.want), "downtime_log_lines_dropped_total"); err != nil {
			t.Error(err)
		}
	}
}
