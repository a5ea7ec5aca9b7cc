package metrics

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

type fakeChat struct{}

func (fakeChat) Silenced() func(string) (bool, bool) {
	return func(h string) (bool, bool) { return h == "up1", h == "down2" }
}

func (fakeChat) Commands() []CommandCount {
	return []CommandCount{{"ack", "ok", 2}, {"status", "refused", 1}}
}

// TestChatMetrics: issue 12 item 7.
func TestChatMetrics(t *testing.T) {
	c := NewChatCollector(fakeSource{snap: testSnapshot(t)}, fakeChat{})
	want := `
# HELP downtime_host_muted Whether the host is muted (1: no alerts for it; /mute, the UI's m key, a maintenance window) or not (0).
# TYPE downtime_host_muted gauge
downtime_host_muted{address="198.18.0.1",host="up1"} 1
downtime_host_muted{address="198.18.0.2",host="down2"} 0
downtime_host_muted{address="198.18.0.3",host="paused3"} 0
downtime_host_muted{address="198.18.0.4",host="pending4"} 0
# HELP downtime_outage_acknowledged Whether the host's running outage is acknowledged (1: no more reminders) or not (0).
# TYPE downtime_outage_acknowledged gauge
downtime_outage_acknowledged{address="198.18.0.1",host="up1"} 0
downtime_outage_acknowledged{address="198.18.0.2",host="down2"} 1
downtime_outage_acknowledged{address="198.18.0.3",host="paused3"} 0
downtime_outage_acknowledged{address="198.18.0.4",host="pending4"} 0
# HELP downtime_telegram_commands_total Commands and button presses read from Telegram, by command and result (ok, error, refused, limited).
# TYPE downtime_telegram_commands_total counter
downtime_telegram_commands_total{command="ack",result="ok"} 2
downtime_telegram_commands_total{command="status",result="refused"} 1
`
	if err := testutil.CollectAndCompare(c, strings.NewReader(want)); err != nil {
		t.Error(err)
	}
}
