package monitor

import (
	"strconv"
	"time"
)

// FormatOutage renders an outage's length as HH:MM:SS, hours past 24 when
// it lasts that long ("27:03:09"). It truncates to the second, so a length
// reads the same in the UI, the log, Telegram and the metrics (1.6 s is
// 00:00:01 everywhere); a negative length reads 00:00:00. It is the one
// formatter of outage lengths: everything that shows one calls it. The UI
// calls it for every visible row on every redraw, hence no fmt.
func FormatOutage(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	s := int64(d / time.Second)
	var b [24]byte
	out := pad2(b[:0], s/3600)
	out = append(out, ':')
	out = pad2(out, s/60%60)
	out = append(out, ':')
	out = pad2(out, s%60)
	return string(out)
}

func pad2(b []byte, n int64) []byte {
	if n < 10 {
		b = append(b, '0')
	}
	return strconv.AppendInt(b, n, 10)
}
