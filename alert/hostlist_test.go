package alert

import (
	"slices"
	"testing"
)

// TestNamesSortedAndFolded covers issue 10 item 4: host lists are sorted
// in natural order and runs of numbered names fold into their ends.
func TestNamesSortedAndFolded(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want string
	}{
		{[]string{"storm-10", "storm-2", "storm-1"}, "storm-1, storm-2, storm-10"},
		{[]string{"storm-28", "storm-29", "storm-30", "storm-01", "storm-02", "storm-03"}, "storm-01 … storm-03, storm-28 … storm-30"},
		{[]string{"web-9", "web-10", "web-11"}, "web-9 … web-11"},
		{[]string{"web-09", "web-10", "web-11"}, "web-09 … web-11"},
		{[]string{"a1", "a2", "b3", "b4", "b5", "a2"}, "a1, a2, b3 … b5"},
		{[]string{"dc1-sw1.lan", "dc1-sw2.lan", "dc1-sw3.lan", "dc2-sw3.lan"}, "dc1-sw1.lan … dc1-sw3.lan, dc2-sw3.lan"},
		{[]string{"db", "<b>", "core"}, "&lt;b&gt;, core, db"},
		{[]string{"10.0.0.9", "10.0.0.10", "10.0.0.11", "10.0.1.1"}, "10.0.0.9 … 10.0.0.11, 10.0.1.1"},
	} {
		if got := names(tc.in); got != tc.want {
			t.Errorf("names(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestNaturalOrder(t *testing.T) {
	got := []string{"storm-10", "storm-2", "Storm-3", "storm-02", "storm", "storm-1a", "storm-1"}
	slices.SortFunc(got, naturalCompare)
	want := []string{"Storm-3", "storm", "storm-1", "storm-1a", "storm-2", "storm-02", "storm-10"}
	if !slices.Equal(got, want) {
		t.Errorf("natural order %q, want %q", got, want)
	}
}
