package ui

import (
	"strings"
	"testing"
)

// Issue 11 attack 10: the state file deleted, replaced or not writable
// (a full disk) is said in the header, where the user looks.
func TestHeaderSaysStateNotSaved(t *testing.T) {
	for _, width := range []int{100, 80} {
		m, _ := newTest(t, width, 24, fixture(t, 0), Options{Alerts: AlertStatusFunc(func() AlertState {
			return AlertState{Level: AlertOK, StateNotSaved: true}
		})})
		if h := screen(m)[0]; !strings.Contains(h, "state not saved") {
			t.Errorf("%d columns: header %q does not say the state is not saved", width, h)
		}
		m.Update(tickMsg{now: now, alert: AlertState{Level: AlertOK}})
		if h := screen(m)[0]; strings.Contains(h, "state not saved") {
			t.Errorf("%d columns: header %q says the state is not saved when it is", width, h)
		}
	}
}
