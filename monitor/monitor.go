package monitor

import (
	"errors"
	"fmt"
	"math"
	"net/netip"
	"time"

	"downtime/config"
	"downtime/probe"
)

// Errors of the host commands; they come wrapped with the host they concern.
var (
	ErrUnknownHost   = errors.New("no such host")
	ErrDuplicateName = errors.New("a host with this name already exists")
	ErrNotRuntime    = errors.New("only hosts added at runtime can be removed")
	ErrIsParent      = errors.New("host is the parent of another host")
	ErrNoParent      = errors.New("parent does not exist")
)

// Monitor turns probe results into host states, transitions and statistics.
// It is not safe for concurrent use: one goroutine owns it (see Runner), and
// time comes only from the injected Clock so tests decide what "now" is.
type Monitor struct {
	clock Clock
	store Store       // nil: nothing is kept
	onErr func(error) // receives store failures; nil drops them

	hosts    []*host // in the order given, then in the order added
	byID     []*host // by ID, which counts from 1: nil for none (removed); see lookup
	byName   map[string]*host
	lastID   probe.HostID
	restored []Transition
	counting bool // hosts keep Counters (KeepCounters)

	// version counts changes visible in a Snapshot; snapVersion is the
	// version the last Snapshot's host list was built at. When they match,
	// Snapshot hands out the previous list again without touching a host.
	version     uint64
	snapVersion uint64
	snapHosts   []*HostView
}

// host is the monitor's private, mutable record of one host.
//
// What Handle touches for every result comes first, so that it falls in a
// few adjacent cache lines: at thousands of hosts each host is cold when its
// next result comes, and the misses were most of Handle's time.
type host struct {
	state      State
	dirty      bool         // changed since view was built
	fails, oks int32        // consecutive failures / successes since the last opposite result
	id         probe.HostID // (here, beside the small fields, it fills what would be padding)
	failSince  time.Time    // when the first probe of the current failing run was sent
	lastErr    string
	counters   *Counters   // every probe and outage, for metrics (see counters.go); nil unless KeepCounters
	resolved   *netip.Addr // the address a DNS name resolved to; nil for an IP address
	samples    ring

	cfg       *config.Host // shared with the caller of New, Reload or Add; never modified
	since     time.Time    // when state began; while paused, when it was paused
	downSince time.Time    // start of the outage; kept through a pause, zero when none
	upSince   time.Time    // while paused: when the host came up, if it was UP when paused
	view      *HostView    // last published view; never modified after publication
}

// New builds a monitor for hosts, restoring what the store kept of them in
// saved (keyed by host name). Hosts are numbered 1, 2, 3… in order.
//
// A host saved Down starts Down with its original DownSince and is listed in
// Restored rather than producing a new transition, so no second DOWN alert
// goes out after a restart. A host saved Up starts Up, so that its first
// down_after failures are an ordinary UP→DOWN. A saved pause is restored
// with its PausedAt. Anything else starts Pending.
//
// The monitor keeps pointers to the elements of hosts (one copy of each
// host's settings, not two): the caller must not change them afterwards.
func New(clock Clock, hosts []config.Host, saved map[string]Saved) *Monitor {
	m := &Monitor{
		clock:   clock,
		byID:    make([]*host, 1, len(hosts)+1),
		byName:  make(map[string]*host, len(hosts)),
		hosts:   make([]*host, 0, len(hosts)),
		version: 1, // so that the first Snapshot builds every view
	}
	now := m.now()
	for i := range hosts {
		hc := &hosts[i]
		h := m.insert(hc, now)
		if s, ok := saved[hc.Name]; ok {
			m.restore(h, s, now)
		}
	}
	return m
}

// KeepCounters makes every host, present and future, count its probes and
// outages in HostView.Counters, for metrics. Without it the counters stay
// zero and a host is 176 bytes smaller.
func (m *Monitor) KeepCounters() {
	m.counting = true
	for _, h := range m.hosts {
		if h.counters == nil {
			h.counters = new(Counters)
		}
	}
}

// SetStore makes the monitor persist state changes, outages and runtime
// hosts through s. A store failure never stops monitoring (an alert matters
// more than the state file): it is passed to onErr, wrapped with what was
// being saved, and the monitor carries on. A nil onErr drops failures.
func (m *Monitor) SetStore(s Store, onErr func(error)) {
	m.store = s
	m.onErr = onErr
}

// insert adds a Pending host with the next ID. Names are expected to be
// unique (config validates them); a duplicate is still monitored, but Lookup
// finds the first one.
func (m *Monitor) insert(hc *config.Host, now time.Time) *host {
	m.lastID++
	h := &host{id: m.lastID, cfg: hc, state: Pending, since: now, dirty: true}
	if m.counting {
		h.counters = new(Counters)
	}
	if _, literal := hc.Target.Literal(); !literal {
		h.resolved = new(netip.Addr)
	}
	m.hosts = append(m.hosts, h)
	m.byID = append(m.byID, h) // at index h.id: IDs count up from 1 with no gap
	if _, dup := m.byName[hc.Name]; !dup {
		m.byName[hc.Name] = h
	}
	m.version++
	return h
}

// restore applies a saved state to a freshly inserted host.
func (m *Monitor) restore(h *host, s Saved, now time.Time) {
	since := orNow(s.Since, now)
	if s.State == Down {
		h.downSince = s.DownSince
		if h.downSince.IsZero() { // a damaged record: the outage is at least as old as the state
			h.downSince = since
		}
	}
	switch {
	case s.Paused:
		h.state = Paused
		h.since = orNow(s.PausedAt, now)
		if s.State == Up {
			h.upSince = since
		}
	case s.State == Down:
		h.state = Down
		h.since = since
		m.restored = append(m.restored, Transition{
			ID: h.id, Host: h.cfg.Name, Address: h.cfg.Address, Parent: h.cfg.Parent,
			From: Down, To: Down, At: now, DownSince: h.downSince, Restored: true,
		})
	case s.State == Up:
		h.state = Up
		h.since = since
	}
}

func orNow(t, now time.Time) time.Time {
	if t.IsZero() {
		return now
	}
	return t
}

// Restored lists the outages restored from the store at start-up, one
// Transition (From=Down, To=Down, Restored=true) per host still Down.
func (m *Monitor) Restored() []Transition {
	return append([]Transition(nil), m.restored...)
}

// Handle applies one probe result. It reports a transition for UP→DOWN,
// PENDING→DOWN (a host that never answered is down) and DOWN→UP; PENDING→UP
// alerts nobody and is not reported. Results for unknown, removed or paused
// hosts are ignored: they are probes that were in flight when the host went.
func (m *Monitor) Handle(r probe.Result) (Transition, bool) {
	h := m.lookup(r.ID)
	if h == nil || h.state == Paused {
		return Transition{}, false
	}
	m.touch(h)
	if h.counters != nil {
		h.counters.record(r)
	}
	if h.resolved != nil && r.Addr.IsValid() {
		*h.resolved = r.Addr
	}
	if r.Err == nil {
		h.samples.push(SampleOf(r.RTT))
		h.lastErr = ""
		h.oks = min(h.oks+1, math.MaxInt32-1) // counts to the threshold; no wrap
		h.fails = 0
		if h.state != Up && int(h.oks) >= atLeastOne(h.cfg.UpAfter) {
			return m.goUp(h)
		}
		return Transition{}, false
	}
	h.samples.push(Lost)
	h.lastErr = probe.Reason(r.Err)
	if h.fails == 0 {
		h.failSince = m.sentAt(r)
	}
	h.fails = min(h.fails+1, math.MaxInt32-1)
	h.oks = 0
	if h.state != Down && int(h.fails) >= atLeastOne(h.cfg.DownAfter) {
		return m.goDown(h)
	}
	return Transition{}, false
}

// lookup finds the host with the given ID, nil for none. A slice by ID
// rather than a map: it is one lookup a probe result, and at 4,000 results a
// second the map's hashing and probing showed in profiles.
func (m *Monitor) lookup(id probe.HostID) *host {
	if int(id) < len(m.byID) {
		return m.byID[id]
	}
	return nil
}

// atLeastOne guards against a zero threshold from a caller that skipped the
// config defaults: a host must need at least one result to change state.
func atLeastOne(n int) int { return max(n, 1) }

// now is the injected clock's time as a wall-clock reading only. Every age
// (UI timer, reminders, the UP's length, metrics, history) is a difference
// of instants the monitor hands out; a monotonic reading stops while the
// machine is suspended or a VM paused, so none is kept.
func (m *Monitor) now() time.Time { return m.clock.Now().Round(0) }

// sentAt is when r's probe was sent, as a wall-clock reading: the engine's
// stamp, or now when it has none (or one from the future: a clock step).
func (m *Monitor) sentAt(r probe.Result) time.Time {
	now := m.now()
	if r.At.IsZero() || r.At.After(now) {
		return now
	}
	return r.At.Round(0)
}

// goDown moves h (Pending or Up) to Down. The transition's At is when the
// verdict was reached; the outage (DownSince) began when the first probe
// of the failing run was sent, so its length counts every lost probe.
func (m *Monitor) goDown(h *host) (Transition, bool) {
	now := m.now()
	start := h.failSince
	if start.IsZero() || start.After(now) {
		start = now
	}
	t := h.transition(Down, now)
	t.Reason = h.lastErr
	t.DownSince = start
	h.state, h.since, h.downSince = Down, start, start
	if h.counters != nil {
		h.counters.Outages++
	}
	m.storeErr("record outage start", h, m.storeOutageStarted(h.cfg.Name, start))
	m.save(h)
	return t, true
}

// goUp moves h (Pending or Down) to Up; only the end of an outage is a
// transition.
func (m *Monitor) goUp(h *host) (Transition, bool) {
	now := m.now()
	from, start := h.state, h.downSince
	t := h.transition(Up, now)
	h.state, h.since, h.downSince = Up, now, time.Time{}
	if from != Down {
		m.save(h)
		return Transition{}, false
	}
	t.DownSince = start
	m.storeErr("record outage end", h, m.storeOutageEnded(h.cfg.Name, start, now))
	m.save(h)
	return t, true
}

// notice is the Notice n about h's open outage (see Notice for From and To).
func (h *host) notice(n Notice, from State, at time.Time) Transition {
	t := Transition{
		ID: h.id, Host: h.cfg.Name, Address: h.cfg.Address, Resolved: h.resolvedAddr(), Parent: h.cfg.Parent,
		From: from, To: Paused, At: at, DownSince: h.downSince, Notice: n,
	}
	if n == NoticeResumed {
		t.To, t.Restored = Down, true
	}
	return t
}

// hasOutage reports whether h has an outage open: DOWN, or paused while DOWN.
func (h *host) hasOutage() bool {
	return h.state == Down || (h.state == Paused && !h.downSince.IsZero())
}

func (h *host) transition(to State, at time.Time) Transition {
	return Transition{
		ID: h.id, Host: h.cfg.Name, Address: h.cfg.Address, Resolved: h.resolvedAddr(), Parent: h.cfg.Parent,
		From: h.state, To: to, At: at,
	}
}

// touch marks h as changed since the last Snapshot.
func (m *Monitor) touch(h *host) {
	h.dirty = true
	m.version++
}

// Pause stops probing a host and ignores its results until Resume. Pausing
// is not a transition. A host paused while Down keeps its outage: Resume
// brings it back Down with the original DownSince, so the outage that was
// alerted ends with one UP whose length includes the pause.
func (m *Monitor) Pause(id probe.HostID) error {
	_, err := m.pause(id)
	return err
}

// pause reports whether the host was probed before (and so must leave the
// engine); pausing a paused host changes nothing.
func (m *Monitor) pause(id probe.HostID) (bool, error) {
	h := m.lookup(id)
	if h == nil {
		return false, fmt.Errorf("pause host %d: %w", id, ErrUnknownHost)
	}
	if h.state == Paused {
		return false, nil
	}
	now := m.now()
	if h.state != Down {
		h.downSince = time.Time{}
	}
	h.upSince = time.Time{}
	if h.state == Up {
		h.upSince = h.since
	}
	h.state, h.since = Paused, now
	h.fails, h.oks = 0, 0
	m.touch(h)
	m.save(h)
	return true, nil
}

// Resume probes a paused host again with fresh counters. A pause does not
// erase how long a host has been up or down: a host Down when paused comes
// back Down with its original DownSince, one Up when paused comes back Up
// since it first came up; any other starts Pending.
func (m *Monitor) Resume(id probe.HostID) error {
	_, err := m.resume(id)
	return err
}

// resume reports whether the host was paused (and so must rejoin the engine).
func (m *Monitor) resume(id probe.HostID) (bool, error) {
	h := m.lookup(id)
	if h == nil {
		return false, fmt.Errorf("resume host %d: %w", id, ErrUnknownHost)
	}
	if h.state != Paused {
		return false, nil
	}
	switch {
	case !h.downSince.IsZero():
		h.state, h.since = Down, h.downSince
	case !h.upSince.IsZero():
		h.state, h.since = Up, h.upSince
	default:
		h.state, h.since = Pending, m.now()
	}
	h.upSince = time.Time{}
	h.fails, h.oks = 0, 0
	m.touch(h)
	m.save(h)
	return true, nil
}

// PauseAll pauses every host not paused yet and returns their IDs.
func (m *Monitor) PauseAll() []probe.HostID {
	var ids []probe.HostID
	for _, h := range m.hosts {
		if changed, _ := m.pause(h.id); changed {
			ids = append(ids, h.id)
		}
	}
	return ids
}

// ResumeAll resumes every paused host and returns their IDs.
func (m *Monitor) ResumeAll() []probe.HostID {
	var ids []probe.HostID
	for _, h := range m.hosts {
		if changed, _ := m.resume(h.id); changed {
			ids = append(ids, h.id)
		}
	}
	return ids
}

// Add starts monitoring a new host (Pending) under a new ID. Its name must
// be new and its parent, if any, must exist. A runtime host is also written
// to the store so that it survives a restart.
func (m *Monitor) Add(hc config.Host) (probe.HostID, error) {
	switch {
	case hc.Name == "":
		return 0, fmt.Errorf("add host %q: empty name", hc.Address)
	case m.byName[hc.Name] != nil:
		return 0, fmt.Errorf("add host %q: %w", hc.Name, ErrDuplicateName)
	case hc.Parent != "" && m.byName[hc.Parent] == nil:
		return 0, fmt.Errorf("add host %q: parent %q: %w", hc.Name, hc.Parent, ErrNoParent)
	}
	h := m.insert(&hc, m.now())
	if hc.Origin == config.OriginRuntime && m.store != nil {
		m.storeErr("save runtime host", h, m.store.AddRuntimeHost(hc))
	}
	return h.id, nil
}

// Remove stops monitoring a host added at runtime and forgets it in the
// store. Hosts from the config file, the command line or a target file live
// there and are removed there. A host that is another's parent stays until
// the child goes, so that every parent named exists.
func (m *Monitor) Remove(id probe.HostID) error {
	_, err := m.remove(id)
	return err
}

// remove reports whether the host was being probed (and so must leave the
// engine).
func (m *Monitor) remove(id probe.HostID) (bool, error) {
	h := m.lookup(id)
	if h == nil {
		return false, fmt.Errorf("remove host %d: %w", id, ErrUnknownHost)
	}
	if h.cfg.Origin != config.OriginRuntime {
		return false, fmt.Errorf("remove host %q: %w: %s", h.cfg.Name, ErrNotRuntime, whereDefined(h.cfg.Origin))
	}
	for _, o := range m.hosts {
		if o.cfg.Parent == h.cfg.Name && o != h {
			return false, fmt.Errorf("remove host %q: %w %q; remove that one first", h.cfg.Name, ErrIsParent, o.cfg.Name)
		}
	}

	m.byID[id] = nil
	if m.byName[h.cfg.Name] == h {
		delete(m.byName, h.cfg.Name)
	}
	for i, o := range m.hosts {
		if o == h {
			m.hosts = append(m.hosts[:i], m.hosts[i+1:]...)
			break
		}
	}
	m.version++
	m.closeOutage(h)
	if m.store != nil {
		m.storeErr("forget runtime host", h, m.store.RemoveRuntimeHost(h.cfg.Name))
	}
	return h.state != Paused, nil
}

func whereDefined(o config.Origin) string {
	return "it " + o.Remedy("")
}

// Lookup finds a host's ID by name.
func (m *Monitor) Lookup(name string) (probe.HostID, bool) {
	if h := m.byName[name]; h != nil {
		return h.id, true
	}
	return 0, false
}

// Specs lists what the engine must probe: every host that is not paused.
func (m *Monitor) Specs() []probe.Spec {
	specs := make([]probe.Spec, 0, len(m.hosts))
	for _, h := range m.hosts {
		if h.state != Paused {
			specs = append(specs, h.spec())
		}
	}
	return specs
}

func (h *host) spec() probe.Spec {
	return probe.Spec{ID: h.id, Target: h.cfg.Target, Interval: h.cfg.Interval, Timeout: h.cfg.Timeout}
}

// Snapshot returns every host as it is now. Only hosts changed since the
// previous Snapshot get a new view; the others share the previous pointer,
// and with no change at all the previous host list itself is reused, so an
// idle call costs nothing whatever the host count.
func (m *Monitor) Snapshot() Snapshot {
	now := m.now()
	if m.snapHosts != nil && m.snapVersion == m.version {
		return Snapshot{At: now, Hosts: m.snapHosts}
	}
	views := make([]*HostView, len(m.hosts))
	for i, h := range m.hosts {
		if h.dirty || h.view == nil {
			h.view = h.buildView()
			h.dirty = false
		}
		views[i] = h.view
	}
	m.snapHosts, m.snapVersion = views, m.version
	return Snapshot{At: now, Hosts: views}
}

// buildView makes a new immutable view of h.
func (h *host) buildView() *HostView {
	v := &HostView{
		ID:      h.id,
		Name:    h.cfg.Name,
		Address: h.cfg.Address,
		Parent:  h.cfg.Parent,
		Origin:  h.cfg.Origin,
		State:   h.state,
		Since:   h.since,
		LastErr: h.lastErr,
		Samples: h.samples.ordered(),
	}
	if h.counters != nil {
		v.Counters = *h.counters
	}
	v.Resolved = h.resolvedAddr()
	switch h.state {
	case Down:
		v.DownSince = h.downSince
	case Paused:
		v.PausedAt = h.since
	}
	v.fillStats()
	return v
}

// resolvedAddr is the address h's DNS name last resolved to; none for an IP
// address, or before the first result.
func (h *host) resolvedAddr() netip.Addr {
	if h.resolved == nil {
		return netip.Addr{}
	}
	return *h.resolved
}

// saved is what the store keeps of h. A paused host's State is Down while
// its outage is open (so a restart, then Resume, continues that outage), Up
// since it came up when it was paused UP, and Pending otherwise.
func (h *host) saved() Saved {
	s := Saved{State: h.state, Since: h.since, DownSince: h.downSince}
	if h.state == Paused {
		s.Paused, s.PausedAt = true, h.since
		s.State, s.Since = Pending, h.since
		switch {
		case !h.downSince.IsZero():
			s.State, s.Since = Down, h.downSince
		case !h.upSince.IsZero():
			s.State, s.Since = Up, h.upSince
		}
	}
	return s
}

// closeOutage ends in the store the open outage of a host being removed,
// at now: no UP will end it, and a host added later under the same name
// must not inherit an outage that reads as ongoing.
func (m *Monitor) closeOutage(h *host) {
	if h.hasOutage() {
		m.storeErr("record outage end", h, m.storeOutageEnded(h.cfg.Name, h.downSince, m.now()))
	}
}

// save writes h's state to the store; called on state changes only.
func (m *Monitor) save(h *host) {
	if m.store != nil {
		m.storeErr("save state", h, m.store.SaveHost(h.cfg.Name, h.saved()))
	}
}

func (m *Monitor) storeOutageStarted(name string, start time.Time) error {
	if m.store == nil {
		return nil
	}
	return m.store.OutageStarted(name, start)
}

func (m *Monitor) storeOutageEnded(name string, start, end time.Time) error {
	if m.store == nil {
		return nil
	}
	return m.store.OutageEnded(name, start, end)
}

// storeErr hands a store failure to onErr with what was being done.
func (m *Monitor) storeErr(doing string, h *host, err error) {
	if err != nil && m.onErr != nil {
		m.onErr(fmt.Errorf("monitor: %s of host %q: %w", doing, h.cfg.Name, err))
	}
}
