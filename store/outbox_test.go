package store

import (
	"slices"
	"testing"
	"time"

	"downtime/alert"
)

func pendingTexts(t *testing.T, s *Store) []string {
	t.Helper()
	msgs, err := s.PendingOutbox()
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, m := range msgs {
		texts = append(texts, m.Text)
	}
	return texts
}

func TestOutboxRoundTripAcrossReopen(t *testing.T) {
	s, path := openTemp(t)
	msgs := []alert.Message{
		{Made: t0, Kind: "down", Hosts: []string{"core-sw1", "db1"}, Text: "🔴 a &lt;b&gt;"},
		{Made: t0.Add(time.Second), Kind: "up", Hosts: []string{"web"}, Text: "second"},
		{Made: t0.Add(2 * time.Second), Kind: "reminder", Text: "third"},
	}
	ids, err := s.AddOutbox(msgs, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 3 || !(ids[0] < ids[1] && ids[1] < ids[2]) {
		t.Fatalf("ids %v: want three, increasing", ids)
	}
	if err := s.RecordAttempt(ids[0], t0, "telegram: 500 Internal Server Error"); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkSent(ids[1], t0); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	// What was pending before the restart is pending after it, in order,
	// with what it said and how often it was tried.
	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.PendingOutbox()
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != ids[0] || got[1].ID != ids[2] {
		t.Fatalf("pending after reopen: %+v", got)
	}
	g := got[0]
	if g.Text != msgs[0].Text || g.Kind != "down" || !slices.Equal(g.Hosts, msgs[0].Hosts) || !g.Made.Equal(t0) || g.Attempts != 1 {
		t.Errorf("first pending = %+v, want %+v with 1 attempt", g, msgs[0])
	}
	if got[1].Hosts != nil {
		t.Errorf("no hosts came back as %q", got[1].Hosts)
	}

	// A new message goes after the old ones, whatever happened to them.
	if err := s.MarkFailed(ids[0], t0, "telegram: 403 Forbidden: bot was kicked"); err != nil {
		t.Fatal(err)
	}
	more, err := s.AddOutbox([]alert.Message{{Made: t0, Kind: "down", Text: "fourth"}}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if more[0] <= ids[2] {
		t.Errorf("new id %d not after %d", more[0], ids[2])
	}
	if texts := pendingTexts(t, s); !slices.Equal(texts, []string{"third", "fourth"}) {
		t.Errorf("pending %q", texts)
	}
	var status, reason string
	var attempts int
	if err := s.db.QueryRow(`SELECT status, error, attempts FROM outbox WHERE id = ?`, ids[0]).Scan(&status, &reason, &attempts); err != nil {
		t.Fatal(err)
	}
	if status != "failed" || reason != "telegram: 403 Forbidden: bot was kicked" || attempts != 2 {
		t.Errorf("refused message kept as %s %q after %d attempts", status, reason, attempts)
	}
}

func TestOutboxPrune(t *testing.T) {
	s, _ := openTemp(t)
	ids, err := s.AddOutbox([]alert.Message{{Text: "old sent"}, {Text: "old failed"}, {Text: "new sent"}, {Text: "old pending"}}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.MarkSent(ids[0], t0.Add(-48*time.Hour))
	s.MarkFailed(ids[1], t0.Add(-48*time.Hour), "x")
	s.MarkSent(ids[2], t0)
	if err := s.PruneOutbox(t0.Add(-24 * time.Hour)); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := s.db.QueryRow(`SELECT count(*) FROM outbox`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("%d messages after pruning, want 2 (the recent sent one and the pending one)", n)
	}
	if texts := pendingTexts(t, s); !slices.Equal(texts, []string{"old pending"}) {
		t.Errorf("pending %q", texts)
	}
}

func TestHostAlertsSavedWithTheirMessage(t *testing.T) {
	s, _ := openTemp(t)
	a := alert.HostAlert{Host: "core-sw1", DownSince: t0, Told: true, Reminded: 2}
	b := alert.HostAlert{Host: "db1", DownSince: t0.Add(time.Second), Paused: true}
	if _, err := s.AddOutbox([]alert.Message{{Text: "down"}}, []alert.HostAlert{a, b}, nil); err != nil {
		t.Fatal(err)
	}
	got, err := s.HostAlerts()
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0] != a || got[1] != b {
		t.Errorf("HostAlerts = %+v, want %+v, %+v", got, a, b)
	}

	// Saving replaces; dropping deletes; both with the message, or neither.
	a.Reminded = 3
	if _, err := s.AddOutbox([]alert.Message{{Text: "reminder"}}, []alert.HostAlert{a}, []string{"db1", "never-saved"}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.HostAlerts(); len(got) != 1 || got[0] != a {
		t.Errorf("after save and drop: %+v", got)
	}
	bad := alert.HostAlert{Host: "zero"} // a zero start is refused, and the whole transaction with it
	if _, err := s.AddOutbox([]alert.Message{{Text: "lost"}}, []alert.HostAlert{bad}, []string{"core-sw1"}); err == nil {
		t.Fatal("a record with a zero outage start was saved")
	}
	if got, _ := s.HostAlerts(); len(got) != 1 || got[0] != a {
		t.Errorf("a failed transaction changed the records: %+v", got)
	}
	if texts := pendingTexts(t, s); slices.Contains(texts, "lost") {
		t.Error("a failed transaction kept its message")
	}
}

func TestOutageEnd(t *testing.T) {
	s, _ := openTemp(t)
	s.OutageEnded("a", t0, t0.Add(time.Minute))
	s.OutageStarted("b", t0)
	for _, c := range []struct {
		host  string
		start time.Time
		end   time.Time
		ok    bool
	}{
		{"a", t0, t0.Add(time.Minute), true},
		{"a", t0.Add(time.Second), time.Time{}, false}, // another outage
		{"b", t0, time.Time{}, false},                  // still open
		{"c", t0, time.Time{}, false},                  // never recorded
	} {
		end, ok, err := s.OutageEnd(c.host, c.start)
		if err != nil || ok != c.ok || !end.Equal(c.end) {
			t.Errorf("OutageEnd(%s, %v) = %v, %v, %v; want %v, %v", c.host, c.start, end, ok, err, c.end, c.ok)
		}
	}
}
