package store

import (
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"downtime/alert"
)

// TestSilencesSurviveReopen: issue 12 item 6: acks, mutes and their
// authors are in the state file.
func TestSilencesSurviveReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	st, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 26, 21, 7, 0, 0, time.UTC)
	want := alert.Silences{
		Mutes: []alert.Mute{{Host: "*", Until: at.Add(30 * time.Minute), By: "Ann (@ann)", At: at},
			{Host: "web-03", Until: at.Add(2 * time.Hour), By: "tui", At: at}},
		Acks: []alert.Ack{{Host: "core-sw1", DownSince: at.Add(-3 * time.Minute), By: "Ann (@ann)", At: at}},
	}
	if err := st.SaveSilences(want); err != nil {
		t.Fatal(err)
	}
	if err := st.SaveSilences(want); err != nil { // replaces, never duplicates
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	st, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	got, err := st.Silences()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("after reopening:\n%+v\nwant\n%+v", got, want)
	}
	if err := st.SaveSilences(alert.Silences{}); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.Silences(); len(got.Mutes)+len(got.Acks) != 0 {
		t.Errorf("after saving none: %+v", got)
	}
}
