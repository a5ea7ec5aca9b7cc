package history_test

import (
	"path/filepath"
	"testing"
	"time"

	"downtime/history"
	"downtime/probe"
	"downtime/store"
)

var t0 = time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)

// probeAt is the result of probe i of a host watched every second from
// start: every tenth is lost, the others take 1–9 ms by i%10, so every
// minute holds 60 probes, 6 lost, and six replies of each of 1…9 ms.
func probeAt(id probe.HostID, start time.Time, i int) probe.Result {
	r := probe.Result{ID: id, Seq: uint64(i + 1), At: start.Add(time.Duration(i) * time.Second)}
	if i%10 == 0 {
		r.Err = probe.ErrTimeout
	} else {
		r.RTT = time.Duration(i%10) * time.Millisecond
	}
	return r
}

// feed runs seconds of probes of host through an Aggregator and stores what
// it hands over.
func feed(t *testing.T, st *store.Store, host string, start time.Time, seconds int) {
	t.Helper()
	ch := make(chan []history.Minute, 1024)
	agg := history.NewAggregator(ch)
	for i := range seconds {
		agg.Record(host, time.Second, probeAt(1, start, i))
	}
	agg.Flush()
	close(ch)
	for batch := range ch {
		if err := st.WriteMinutes(batch); err != nil {
			t.Fatal(err)
		}
	}
	if agg.Dropped() != 0 {
		t.Fatalf("dropped %d minutes", agg.Dropped())
	}
}

func openStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// Issue 15, "How it must be shown": hours of probes with known loss and RTT
// leave minute and hour rows with the right numbers, and a stop of two hours
// is unknown time, not up.
func TestMinutesAndHoursHoldTheNumbers(t *testing.T) {
	st := openStore(t)
	feed(t, st, "a", t0, 3*3600)                // 10:00–13:00
	feed(t, st, "a", t0.Add(5*time.Hour), 3600) // 15:00–16:00 after a 2 h stop
	end := t0.Add(6 * time.Hour)
	if err := st.Maintain(end.Add(time.Minute), 48*time.Hour, 400*24*time.Hour); err != nil {
		t.Fatal(err)
	}

	slots, err := st.HistorySlots("a", t0, end)
	if err != nil {
		t.Fatal(err)
	}
	if len(slots) != 4*60 {
		t.Fatalf("got %d minute slots, want 240 (4 watched hours)", len(slots))
	}
	want := history.Slot{Span: time.Minute, Sent: 60, Lost: 6, Watched: time.Minute,
		Min: history.Quantize(1 * time.Millisecond), P50: history.Quantize(5 * time.Millisecond),
		P95: history.Quantize(9 * time.Millisecond), Max: history.Quantize(9 * time.Millisecond)}
	for i, s := range slots {
		want.At = s.At
		if s != want {
			t.Fatalf("minute %d: got %+v, want %+v", i, s, want)
		}
	}
	if slots[180].At != t0.Add(5*time.Hour) {
		t.Errorf("minute 180 starts %s, want 15:00 (13:00–15:00 is unknown)", slots[180].At)
	}

	// Once minutes are pruned, the hours tell the same.
	if err := st.Maintain(end.Add(49*time.Hour), 48*time.Hour, 400*24*time.Hour); err != nil {
		t.Fatal(err)
	}
	hours, err := st.HistorySlots("a", t0, end)
	if err != nil {
		t.Fatal(err)
	}
	if len(hours) != 4 {
		t.Fatalf("got %d slots after pruning minutes, want 4 hours: %+v", len(hours), hours)
	}
	wantH := history.Slot{Span: time.Hour, Sent: 3600, Lost: 360, Watched: time.Hour,
		Min: want.Min, P50: want.P50, P95: want.P95, Max: want.Max}
	for i, h := range hours {
		wantH.At = h.At
		if h != wantH {
			t.Errorf("hour %d: got %+v, want %+v", i, h, wantH)
		}
	}

	// 10:30–10:40 down: 600 s of 4 watched hours (14,400 s); 2 h unknown.
	outages := []history.Interval{{Start: t0.Add(30 * time.Minute), End: t0.Add(40 * time.Minute)}}
	for _, s := range [][]history.Slot{slots, hours} {
		sum := history.Summarize(s, outages, t0, end)
		if sum.Watched != 4*time.Hour || sum.Unknown != 2*time.Hour || sum.Down != 10*time.Minute {
			t.Errorf("watched %s unknown %s down %s, want 4h0m0s 2h0m0s 10m0s", sum.Watched, sum.Unknown, sum.Down)
		}
		if a, ok := sum.Availability(); !ok || a != 1-600.0/14400 {
			t.Errorf("availability %v %v, want 0.958333…", a, ok)
		}
		if sum.Sent != 14400 || sum.Lost != 1440 {
			t.Errorf("sent %d lost %d, want 14400 1440", sum.Sent, sum.Lost)
		}
	}
}

// Issue 10 item 3: a host watched 30 s with 12 s of outage is 60 % up over
// what was watched, not 99.98 % over 24 h; with no probes there is no figure.
func TestSummaryCountsOnlyWatchedTime(t *testing.T) {
	// Added at 10:00:15, watched until 10:00:45, down 10:00:33–10:00:45.
	slots := []history.Slot{{At: t0, Span: time.Minute, Sent: 30, Lost: 12, Watched: 30 * time.Second}}
	outages := []history.Interval{{Start: t0.Add(33 * time.Second), End: t0.Add(45 * time.Second)}}
	to := t0.Add(time.Minute)
	sum := history.Summarize(slots, outages, to.Add(-24*time.Hour), to)
	if a, ok := sum.Availability(); !ok || a != 0.6 {
		t.Errorf("availability %v %v, want 0.6", a, ok)
	}
	if sum.Unknown != 24*time.Hour-30*time.Second {
		t.Errorf("unknown %s, want 23h59m30s", sum.Unknown)
	}
	if sum.Outages != 1 || sum.Longest != 12*time.Second || sum.MTTR != 12*time.Second {
		t.Errorf("outages %d longest %s mttr %s, want 1 12s 12s", sum.Outages, sum.Longest, sum.MTTR)
	}
	if _, ok := history.Summarize(nil, nil, t0, t0.Add(time.Hour)).Availability(); ok {
		t.Error("no watched time gave an availability figure")
	}
}

func TestCodecRoundTrip(t *testing.T) {
	c := history.NewCodec()
	slots := []history.Slot{
		{At: t0, Span: time.Minute, Sent: 60, Lost: 60, Watched: time.Minute},
		{At: t0.Add(3 * time.Minute), Span: time.Minute, Sent: 60, Lost: 1, Watched: time.Minute,
			Min: history.Quantize(80 * time.Microsecond), P50: history.Quantize(120 * time.Microsecond),
			P95: history.Quantize(3 * time.Millisecond), Max: history.Quantize(1500 * time.Millisecond)},
		{At: t0.Add(59 * time.Minute), Span: time.Minute, Sent: 12, Lost: 0, Watched: 12 * time.Second,
			Min: history.Quantize(time.Microsecond), P50: history.Quantize(time.Microsecond),
			P95: history.Quantize(time.Microsecond), Max: history.Quantize(59 * time.Second)},
	}
	got, err := c.Decode(t0, time.Minute, c.Encode(t0, time.Minute, slots))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(slots) {
		t.Fatalf("got %d slots, want %d", len(got), len(slots))
	}
	for i := range slots {
		// Max is kept in 9 % steps above P95, rounded up.
		g, w := got[i], slots[i]
		if g.Max < w.Max || float64(g.Max) > 1.09*float64(w.Max) {
			t.Errorf("slot %d: Max %s, want %s to 9 %% above", i, g.Max, w.Max)
		}
		g.Max = w.Max
		if g != w {
			t.Errorf("slot %d: got %+v, want %+v", i, got[i], slots[i])
		}
	}
	if _, err := c.Decode(t0, time.Minute, []byte("not flate")); err == nil {
		t.Error("garbage decoded without error")
	}
}

func TestQuantizeIsClose(t *testing.T) {
	for _, d := range []time.Duration{time.Microsecond, 57 * time.Microsecond, time.Millisecond, 33 * time.Millisecond, 2 * time.Second} {
		q := history.Quantize(d)
		if diff := float64(q-d) / float64(d); diff > 0.011 || diff < -0.011 {
			t.Errorf("Quantize(%s) = %s, off by %.2f%%", d, q, 100*diff)
		}
		if history.Quantize(q) != q {
			t.Errorf("Quantize not idempotent at %s", d)
		}
	}
}

// A restart inside a minute writes it twice, and a minute may come after
// its hour was rolled up: both are merged, never lost or doubled.
func TestMinuteWrittenTwiceAndLate(t *testing.T) {
	st := openStore(t)
	half := func(at time.Time, lost int) history.Minute {
		return history.Minute{Host: "a", Slot: history.Slot{At: at, Span: time.Minute, Sent: 30, Lost: lost, Watched: 30 * time.Second,
			Min: time.Millisecond, P50: 2 * time.Millisecond, P95: 3 * time.Millisecond, Max: 4 * time.Millisecond}}
	}
	for _, m := range []history.Minute{half(t0, 3), half(t0, 3)} {
		if err := st.WriteMinutes([]history.Minute{m}); err != nil {
			t.Fatal(err)
		}
	}
	check := func(step string, want int) {
		t.Helper()
		slots, err := st.HistorySlots("a", t0, t0.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if len(slots) != 1 || slots[0].Sent != want || slots[0].Lost != want/10 || slots[0].Watched != min(time.Duration(want)*time.Second, time.Minute) {
			t.Fatalf("%s: got %+v, want one minute of %d sent, %d lost", step, slots, want, want/10)
		}
	}
	check("written twice", 60)
	// Rolled up, then a late half minute more: 90 probes, 9 lost.
	if err := st.Maintain(t0.Add(2*time.Hour), 48*time.Hour, 400*24*time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := st.WriteMinutes([]history.Minute{half(t0, 3)}); err != nil {
		t.Fatal(err)
	}
	check("late", 90)
	if err := st.Maintain(t0.Add(3*time.Hour), 48*time.Hour, 400*24*time.Hour); err != nil {
		t.Fatal(err)
	}
	check("rolled again", 90)
	// Once minutes are pruned, the hour holds the late minute too.
	if err := st.Maintain(t0.Add(50*time.Hour), 48*time.Hour, 400*24*time.Hour); err != nil {
		t.Fatal(err)
	}
	slots, err := st.HistorySlots("a", t0, t0.Add(time.Hour))
	if err != nil || len(slots) != 1 || slots[0].Span != time.Hour || slots[0].Sent != 90 || slots[0].Lost != 9 {
		t.Fatalf("hour after pruning: %+v, %v", slots, err)
	}
	// And hours go after keep_hours.
	if err := st.Maintain(t0.Add(31*24*time.Hour), 48*time.Hour, 30*24*time.Hour); err != nil {
		t.Fatal(err)
	}
	if slots, _ := st.HistorySlots("a", t0, t0.Add(time.Hour)); len(slots) != 0 {
		t.Errorf("hours older than keep_hours kept: %+v", slots)
	}
}

// The Writer stores what it was handed when its channel closes, and rolls
// up and prunes at start.
func TestWriterFlushesOnClose(t *testing.T) {
	st := openStore(t)
	ch := make(chan []history.Minute, 4)
	var errs []error
	w := history.NewWriter(st, history.WriterOptions{Every: time.Hour, Now: func() time.Time { return t0.Add(time.Hour) },
		OnErr: func(err error) { errs = append(errs, err) }})
	done := make(chan struct{})
	go func() { defer close(done); w.Run(ch) }()
	agg := history.NewAggregator(ch)
	for i := range 90 {
		agg.Record("a", time.Second, probeAt(1, t0, i))
	}
	agg.Flush()
	close(ch)
	<-done
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	slots, err := st.HistorySlots("a", t0, t0.Add(time.Hour))
	if err != nil || len(slots) != 2 || slots[0].Sent+slots[1].Sent != 90 {
		t.Fatalf("after close: %+v, %v", slots, err)
	}
}

// Unwritten is what a chart adds to the store's slots: the open minute as
// far as it goes, the minutes closed and not handed over, and, with
// KeepHanded, the batch last handed to the writer. Another host's minutes
// are not in it, and reading it changes nothing that is later stored.
func TestUnwrittenReachesTheCurrentMinute(t *testing.T) {
	for _, keep := range []bool{false, true} {
		ch := make(chan []history.Minute, 16)
		agg := history.NewAggregator(ch)
		if keep {
			agg.KeepHanded()
		}
		// 10:00:00 to 10:01:04: the 10:00 minute is closed by the first
		// probe of 10:01, and handed over 10 s after 10:01 (Grace).
		for i := range 65 {
			agg.Record("a", time.Second, probeAt(1, t0, i))
			agg.Record("b", time.Second, probe.Result{ID: 2, At: t0.Add(time.Duration(i) * time.Second), RTT: 50 * time.Millisecond})
		}
		handed, since := agg.Unwritten("a")
		if len(handed) != 0 || len(since) != 2 {
			t.Fatalf("keep %v, at 10:01:04: handed %d, since %d; want 0 and 2", keep, len(handed), len(since))
		}
		if c := since[0]; !c.At.Equal(t0) || c.Sent != 60 || c.Lost != 6 || c.Watched != time.Minute || c.P50 != history.Quantize(5*time.Millisecond) {
			t.Errorf("the closed 10:00: %+v", c)
		}
		// 10:01:00 to 10:01:04: probes 60…64, 60 lost, 1–4 ms.
		if o := since[1]; !o.At.Equal(t0.Add(time.Minute)) || o.Sent != 5 || o.Lost != 1 || o.Watched != 5*time.Second ||
			o.Min != history.Quantize(time.Millisecond) || o.Max != history.Quantize(4*time.Millisecond) {
			t.Errorf("the open 10:01: %+v", o)
		}

		for i := 65; i < 75; i++ { // to 10:01:14: past Grace, the batch goes
			agg.Record("a", time.Second, probeAt(1, t0, i))
		}
		handed, since = agg.Unwritten("a")
		if len(since) != 1 || since[0].Sent != 15 {
			t.Fatalf("keep %v, at 10:01:14: since %+v, want the open 10:01 with 15 probes", keep, since)
		}
		if want := map[bool]int{false: 0, true: 1}[keep]; len(handed) != want || keep && !handed[0].At.Equal(t0) {
			t.Errorf("keep %v: handed %+v, want %d minutes (10:00)", keep, handed, want)
		}
		agg.Flush()
		close(ch)
		var stored []history.Minute
		for b := range ch {
			stored = append(stored, b...)
		}
		var a1001 *history.Minute
		for i := range stored {
			if stored[i].Host == "a" && stored[i].At.Equal(t0.Add(time.Minute)) {
				a1001 = &stored[i]
			}
		}
		if a1001 == nil || a1001.Sent != 15 || a1001.Lost != 2 || a1001.Min != history.Quantize(time.Millisecond) {
			t.Errorf("keep %v: 10:01 as stored: %+v", keep, a1001)
		}
	}
}
