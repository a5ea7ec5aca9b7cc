package alert

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
)

// hostsAttr is the hosts= value of a log line: names joined by commas,
// at most 20 of them.
func hostsAttr(hosts []string) string {
	if len(hosts) > 20 {
		return strings.Join(hosts[:20], ",") + fmt.Sprintf(",+%d more", len(hosts)-20)
	}
	return strings.Join(hosts, ",")
}

func hostList(msgs []Message) string {
	var hs []string
	for _, m := range msgs {
		hs = append(hs, m.Hosts...)
	}
	return hostsAttr(dedupe(hs))
}

func kinds(msgs []Message) string {
	var ks []string
	for _, m := range msgs {
		ks = append(ks, m.Kind)
	}
	return strings.Join(dedupe(ks), ",")
}

// logNotifier writes alerts to the log: the channel without Telegram.
type logNotifier struct{ log *slog.Logger }

func (logNotifier) Validate() error { return nil }

// Send logs the message as plain text: a DOWN or a reminder at WARN, a
// recovery at INFO.
func (n logNotifier) Send(_ context.Context, m Message) error {
	level := slog.LevelInfo
	if strings.Contains(m.Kind, "down") || strings.Contains(m.Kind, "reminder") {
		level = slog.LevelWarn
	}
	n.log.Log(context.Background(), level, "alert", "kind", m.Kind, "hosts", hostsAttr(m.Hosts), "text", plainText(m.Text))
	return nil
}
