package monitor

import (
	"testing"
	"time"
)

// TestFormatOutage covers issue 11 (reading) item 6: one formatter, which
// truncates, so 1.6 s is 00:00:01 in the UI, the log and Telegram alike.
func TestFormatOutage(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{0, "00:00:00"},
		{-time.Second, "00:00:00"},
		{1600 * time.Millisecond, "00:00:01"},
		{59*time.Second + 999*time.Millisecond, "00:00:59"},
		{12*time.Minute + 34*time.Second, "00:12:34"},
		{27*time.Hour + 3*time.Minute + 9*time.Second, "27:03:09"},
		{1000 * time.Hour, "1000:00:00"},
	} {
		if got := FormatOutage(tc.d); got != tc.want {
			t.Errorf("FormatOutage(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
}
