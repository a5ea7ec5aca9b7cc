package alert

import (
	"slices"
	"sort"
	"strings"
	"time"

	"downtime/config"
	"downtime/monitor"
)

// planner decides what to say and when: the reminder schedule of each
// outage, the grouping of news into one message per window, and the
// silence of hosts behind a parent that is down. It is pure logic: the
// caller passes the time in, so tests walk through hours in microseconds.
// It is not safe for concurrent use (the Dispatcher's goroutine owns it).
//
// Rules, in short:
//   - News (a transition, a reminder come due, a recovery owed from before a
//     restart) opens a window of group_window; everything that comes before
//     it closes goes out as one message, each host on one line that tells
//     its story in order, so a flap reads "DOWN since …, after going down at
//     …, up at …" rather than three contradicting messages.
//   - A host is "told" once the user knows its outage: its own DOWN line, or
//     its name under its parent's line. Only told outages get reminders and
//     an UP; a flap that began and ended inside one window gets one line.
//   - A host is "covered" while its parent is down (the parent may itself be
//     covered: the chain is walked while hosts are down). A covered host has
//     no line and no reminder of its own: it is named under the line of the
//     topmost down host of its chain. When that host recovers, its line
//     names the hosts still down behind it, which are told from then on.
//   - Reminders come due at DownSince + each step; a step missed (the
//     process was stopped) is sent once with the real age, never once per
//     missed step. Paused outages get none.
//   - A host down, not covered and not paused is told within a window: if
//     it was left untold (it lost its parent to a reload or a removal, or
//     was resumed after a restart that lost its DOWN), it gets its DOWN.
//   - The configured hosts (setHosts) give each host its reminder schedule
//     and its parent; a reload changes them in order with the transitions.
type planner struct {
	window   time.Duration
	defaults func(host string) []time.Duration // the schedule of a host conf does not list

	conf    map[string]hostConf   // the configured hosts, by name
	hosts   map[string]*hostState // open outages, and hosts with news in the window
	dormant map[string]HostAlert  // saved outages the monitor has not restored yet
	parents map[string]bool       // hosts named as a parent, so far
	win     *window               // nil when none is open
	dirty   map[string]bool       // hosts whose saved record must be written or dropped
	loc     *time.Location        // for the times in messages

	mutes        map[string]Mute // in force, by host (or MuteAll); see mute.go
	dormantAcks  map[string]Ack  // saved acks of outages not restored yet
	silenceDirty bool            // mutes or acks changed since the last save
	maint        []config.Maintenance
	maintNext    time.Time // the next window's start; zero when none
	expired      []Mute    // mutes ended by time, for the log
	started      []Mute    // mutes a maintenance window began, for the log
}

// hostConf is what the config says of a host.
type hostConf struct {
	reminders []time.Duration // nil: the defaults
	parent    string
	runtime   bool // added at runtime: a reloaded config does not list it
}

// hostState is the planner's view of one host.
type hostState struct {
	name, address, parent string
	down                  bool
	downSince             time.Time
	told                  bool
	reminded              int // reminder steps done
	paused                bool
	removed               bool
	reason                string // why the last DOWN's probes failed
	path                  string // where its path ended when traced ("path ends at hop 2: …")
	ack                   *Ack   // the running outage was acknowledged
	hushed                bool   // its DOWN was held back by a mute
}

// window gathers news until it closes.
type window struct {
	closes time.Time
	order  []*news
	byHost map[string]*news
}

// news is what happened to one host during a window.
type news struct {
	host     string
	events   []event
	reminder bool          // a reminder came due
	age      time.Duration // the outage's age when it came due
	steps    int           // the reminder steps done once it is sent
}

// event is one transition.
type event struct {
	down    bool
	at      time.Time // when the state changed
	since   time.Time // the start of the outage it begins or ends
	told    bool      // for an UP: the user had been told of the outage it ends
	covered bool      // the host's parent was down at the time
}

func newPlanner(window time.Duration, defaults func(string) []time.Duration) *planner {
	if defaults == nil {
		defaults = func(string) []time.Duration { return nil }
	}
	return &planner{
		window:   window,
		defaults: defaults,
		conf:     make(map[string]hostConf),
		hosts:    make(map[string]*hostState),
		dormant:  make(map[string]HostAlert),
		parents:  make(map[string]bool),
		dirty:    make(map[string]bool),
		loc:      time.UTC,

		mutes:       make(map[string]Mute),
		dormantAcks: make(map[string]Ack),
	}
}

// load takes the saved outage records at start-up. open holds the outages
// the monitor has open now (restored, or paused while down), by host. A
// record of an outage still open waits for the monitor's restored
// transition; a told outage that ended while its UP was still in a window
// when the process died is owed its UP now, with the end the store
// recorded (end reports it; ok=false when unknown, e.g. the host is gone);
// other records are dropped.
func (p *planner) load(saved []HostAlert, open map[string]time.Time, end func(host string, start time.Time) (time.Time, bool), now time.Time) {
	for _, r := range saved {
		if since, ok := open[r.Host]; ok && since.Equal(r.DownSince) {
			p.dormant[r.Host] = r
			continue
		}
		p.dirty[r.Host] = true // drop it, in the same transaction as the owed UP
		if !r.Told || end == nil {
			continue
		}
		at, ok := end(r.Host, r.DownSince)
		if !ok {
			continue
		}
		h := p.state(r.Host, "", "")
		n := p.news(h, now)
		n.events = append(n.events, event{at: at, since: r.DownSince, told: true})
	}
}

// state returns the planner's record of a host, creating it. The parent
// of a configured host is the config's (a transition made before a reload
// may still name the old one); others take the transition's.
func (p *planner) state(name, address, parent string) *hostState {
	h := p.hosts[name]
	if h == nil {
		h = &hostState{name: name}
		p.hosts[name] = h
	}
	if address != "" {
		h.address = address
	}
	if c, ok := p.conf[name]; ok {
		parent = c.parent
		h.parent = parent
	} else if parent != "" || address != "" {
		h.parent = parent
	}
	if parent != "" {
		p.parents[parent] = true
	}
	return h
}

// schedule is host's reminder schedule.
func (p *planner) schedule(host string) []time.Duration {
	if c, ok := p.conf[host]; ok && c.reminders != nil {
		return c.reminders
	}
	return p.defaults(host)
}

// setHosts takes the configured hosts: at start-up, and after a reload.
// A host it lists takes its reminders (nil: the defaults) and parent; a
// host added at runtime, which a config never lists, keeps what it had.
//
// An open outage keeps the reminder steps already sent: a step of the new
// schedule at or before the last one sent is done, the next one comes when
// due (at once if it is past: sent once, with the real age). A host that
// its new parent no longer covers is on its own from now: if it was told,
// the steps passed meanwhile are not sent late (as when a parent
// recovers); if it never was, due gives it its DOWN.
func (p *planner) setHosts(hosts []config.Host, now time.Time) {
	next := make(map[string]hostConf, len(hosts))
	for name, c := range p.conf {
		if c.runtime {
			next[name] = c
		}
	}
	for _, h := range hosts {
		next[h.Name] = hostConf{reminders: slices.Clone(h.Reminders), parent: h.Parent, runtime: h.Origin == config.OriginRuntime}
	}
	type before struct {
		sched   []time.Duration
		covered bool
	}
	was := make(map[*hostState]before, len(p.hosts))
	for _, h := range p.hosts {
		was[h] = before{p.schedule(h.name), p.covered(h)}
	}
	for name := range p.mutes {
		if _, was := p.conf[name]; was {
			if _, ok := next[name]; !ok {
				p.dropMutesOf(name) // a mute of a removed host ends with it
			}
		}
	}
	p.conf = next
	for _, h := range p.hosts {
		if c, ok := next[h.name]; ok && c.parent != h.parent {
			h.parent = c.parent
			if c.parent != "" {
				p.parents[c.parent] = true
			}
			p.dirty[h.name] = true
		}
	}
	for _, h := range p.hosts {
		if !h.down {
			continue
		}
		b := was[h]
		if s := p.schedule(h.name); !slices.Equal(s, b.sched) {
			p.reschedule(h, b.sched, s)
		}
		if b.covered && !p.covered(h) && h.told {
			h.reminded = max(h.reminded, p.passed(h, now))
			p.dirty[h.name] = true
		}
	}
}

// reschedule carries h's reminder steps done from schedule old to new: the
// steps of new at or before the last one done are done.
func (p *planner) reschedule(h *hostState, old, new []time.Duration) {
	carry := func(done int) int {
		if done <= 0 || len(old) == 0 {
			return 0
		}
		last := old[min(done, len(old))-1]
		n := 0
		for _, s := range new {
			if s <= last {
				n++
			}
		}
		return n
	}
	h.reminded = carry(h.reminded)
	p.dirty[h.name] = true
	if !p.inWindow(h.name) {
		return
	}
	if n := p.win.byHost[h.name]; n.reminder {
		// The reminder waiting in the window: what it does under the new
		// schedule, if it is still owed at all.
		n.steps = 0
		for _, s := range new {
			if s <= n.age {
				n.steps++
			}
		}
		if n.steps <= h.reminded {
			n.reminder = false
		}
	}
}

// news returns h's news in the open window, opening one at now if needed.
func (p *planner) news(h *hostState, now time.Time) *news {
	if p.win == nil {
		p.win = &window{closes: now.Add(p.window), byHost: make(map[string]*news)}
	}
	n := p.win.byHost[h.name]
	if n == nil {
		n = &news{host: h.name}
		p.win.byHost[h.name] = n
		p.win.order = append(p.win.order, n)
	}
	return n
}

// inWindow reports whether host has news in the open window.
func (p *planner) inWindow(host string) bool {
	return p.win != nil && p.win.byHost[host] != nil
}

// observe takes one transition or notice from the monitor at now.
func (p *planner) observe(t monitor.Transition, now time.Time) {
	switch t.Notice {
	case monitor.NoticePaused:
		if h := p.hosts[t.Host]; h != nil && h.down {
			h.paused = true
			p.dirty[h.name] = true
		}
		return
	case monitor.NoticeRemoved:
		delete(p.dormant, t.Host)
		p.dropMutesOf(t.Host)
		if h := p.hosts[t.Host]; h != nil {
			p.clearAck(h)
		}
		if h := p.hosts[t.Host]; h != nil {
			if h.down {
				// The hosts it covered are on their own from now on, as
				// when it recovers; due tells those never told.
				p.settleBehind(h, now)
			}
			h.removed, h.down = true, false
			if !p.inWindow(h.name) {
				delete(p.hosts, h.name)
			}
		}
		p.dirty[t.Host] = true
		return
	case monitor.NoticeResumed:
		h := p.restore(t)
		h.paused = false
		if h.told {
			// The user paused it knowing it was down: the steps that
			// passed meanwhile are not caught up.
			h.reminded = max(h.reminded, p.passed(h, now))
		}
		return
	}
	if t.Restored {
		// Restored at start-up. A told outage goes on (its reminders
		// catch up in due); one never told gets its DOWN now, since the
		// original one was still in a window when the process stopped.
		// The monitor restores only unpaused outages this way (a paused
		// one waits for NoticeResumed): a record saying paused lost the
		// resume's notice.
		h := p.restore(t)
		h.paused = false
		if !h.told {
			n := p.news(h, now)
			n.events = append(n.events, event{down: true, at: t.DownSince, since: t.DownSince})
		}
		return
	}
	h := p.state(t.Host, t.Address, t.Parent)
	h.removed = false
	n := p.news(h, now)
	covered := p.covered(h)
	switch t.To {
	case monitor.Down:
		n.events = append(n.events, event{down: true, at: t.At, since: t.DownSince, covered: covered})
		h.down, h.downSince, h.told, h.reminded, h.paused = true, t.DownSince, false, 0, false
		h.reason, h.path = t.Reason, ""
		if t.Path != nil {
			h.path = t.Path.String()
		}
		p.clearAck(h)
		h.hushed = false
	case monitor.Up:
		told := h.down && h.told && h.downSince.Equal(t.DownSince)
		n.events = append(n.events, event{at: t.At, since: t.DownSince, told: told, covered: covered})
		h.down, h.told, h.reminded, h.paused = false, false, 0, false
		p.clearAck(h)
		p.settleBehind(h, now)
	}
	p.dirty[h.name] = true
}

// restore makes h's outage the one t names, adopting its saved record.
func (p *planner) restore(t monitor.Transition) *hostState {
	h := p.state(t.Host, t.Address, t.Parent)
	h.removed = false
	if !h.down || !h.downSince.Equal(t.DownSince) {
		h.down, h.downSince, h.told, h.reminded, h.paused = true, t.DownSince, false, 0, false
		h.reason, h.path = t.Reason, ""
		if t.Path != nil {
			h.path = t.Path.String()
		}
		if r, ok := p.dormant[t.Host]; ok && r.DownSince.Equal(t.DownSince) {
			h.told, h.reminded, h.paused = r.Told, r.Reminded, r.Paused
		}
		h.ack = nil // another outage's; adoptAck takes this one's
	}
	p.adoptAck(h)
	delete(p.dormant, t.Host)
	p.dirty[h.name] = true
	return h
}

// settleBehind marks done the reminder steps that passed while the hosts
// behind up (its children, and theirs while down) were covered by it: up's
// recovery will name them as still down, which says as much, and a burst
// of late reminders would follow it otherwise.
func (p *planner) settleBehind(up *hostState, now time.Time) {
	if !p.parents[up.name] {
		return // nobody's parent: a storm's recovery stays linear
	}
	for _, c := range p.hosts {
		if c.down && c != up && p.behind(c, up.name) {
			c.reminded = max(c.reminded, p.passed(c, now))
		}
	}
}

// behind reports whether h sits behind host name through a chain of down
// parents.
func (p *planner) behind(h *hostState, name string) bool {
	for range 64 {
		if h.parent == "" {
			return false
		}
		if h.parent == name {
			return true
		}
		par := p.hosts[h.parent]
		if par == nil || !par.down {
			return false
		}
		h = par
	}
	return false
}

// passed is how many of h's reminder steps lie at or before now.
func (p *planner) passed(h *hostState, now time.Time) int {
	age := now.Sub(h.downSince)
	n := 0
	for _, s := range p.schedule(h.name) {
		if s <= age {
			n++
		}
	}
	return n
}

// reminderDue is when h's next reminder is due; ok=false when none is.
func (p *planner) reminderDue(h *hostState) (time.Time, bool) {
	if !h.down || !h.told || h.paused || h.removed || p.covered(h) || p.quiet(h) {
		return time.Time{}, false
	}
	s := p.schedule(h.name)
	if h.reminded >= len(s) {
		return time.Time{}, false
	}
	return h.downSince.Add(s[h.reminded]), true
}

// untold reports whether h is down and on its own (not covered, not
// paused) but was never told, with no news in the window to tell it and no
// parent's news there that will name it: it lost its parent (a reload, a
// removal) while covered and unnamed, or it was resumed after a restart
// that lost its DOWN.
func (p *planner) untold(h *hostState) bool {
	return h.down && !h.told && !h.paused && !h.removed && !p.covered(h) && !p.muted(h.name) &&
		!p.inWindow(h.name) && (h.parent == "" || !p.inWindow(h.parent))
}

// covered reports whether h's parent is down.
func (p *planner) covered(h *hostState) bool {
	par := p.hosts[h.parent]
	return h.parent != "" && par != nil && par.down
}

// top is the topmost down host of h's chain of down parents (h itself
// when its parent is up). A depth bound guards against a cycle, which the
// config refuses anyway.
func (p *planner) top(h *hostState) *hostState {
	for range 64 {
		par := p.hosts[h.parent]
		if h.parent == "" || par == nil || !par.down {
			break
		}
		h = par
	}
	return h
}

// next is when the planner must be asked again (due): the window's close or
// the earliest reminder; zero when nothing is pending.
func (p *planner) next() time.Time {
	var next time.Time
	if p.win != nil {
		next = p.win.closes
	}
	for _, t := range []time.Time{p.nextMuteEnd(), p.maintNext} {
		if !t.IsZero() && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	for _, h := range p.hosts {
		if p.inWindow(h.name) && p.win.byHost[h.name].reminder {
			continue
		}
		if at, ok := p.reminderDue(h); ok && (next.IsZero() || at.Before(next)) {
			next = at
		}
	}
	return next
}

// due puts the DOWN of untold hosts and the reminders that came due into
// the window and, when the window has closed, returns its messages.
func (p *planner) due(now time.Time) []Message {
	p.applyMaintenance(now)
	p.expireMutes(now)
	p.tellUntold(now)
	for _, h := range p.hosts {
		at, ok := p.reminderDue(h)
		if !ok || at.After(now) || (p.inWindow(h.name) && p.win.byHost[h.name].reminder) {
			continue
		}
		n := p.news(h, now)
		n.reminder = true
		n.age = now.Sub(h.downSince) // the step itself when on time; the real age when catching up
		n.steps = p.passed(h, now)   // every step missed is covered by this one reminder
	}
	if p.win != nil && !now.Before(p.win.closes) {
		msgs := p.flush(now)
		p.tellUntold(now) // those the flush left on their own (a parent removed in the window)
		return msgs
	}
	return nil
}

// tellUntold gives each untold host its DOWN in the window.
func (p *planner) tellUntold(now time.Time) {
	for _, h := range p.hosts {
		if p.untold(h) {
			n := p.news(h, now)
			n.events = append(n.events, event{down: true, at: h.downSince, since: h.downSince})
		}
	}
}

// flushNow closes the window at once (shutting down).
func (p *planner) flushNow(now time.Time) []Message {
	if p.win == nil {
		return nil
	}
	return p.flush(now)
}

// changes returns the outage records to write and to drop. Hosts with news
// in the open window wait for its flush, so that a record and the message
// that changes it are written in one transaction.
func (p *planner) changes() (save []HostAlert, drop []string) {
	for name := range p.dirty {
		if p.inWindow(name) {
			continue
		}
		delete(p.dirty, name)
		h := p.hosts[name]
		if h == nil || !h.down || h.removed {
			drop = append(drop, name)
			continue
		}
		save = append(save, HostAlert{Host: name, DownSince: h.downSince, Told: h.told, Reminded: h.reminded, Paused: h.paused})
	}
	sort.Slice(save, func(i, j int) bool { return save[i].Host < save[j].Host })
	sort.Strings(drop)
	return save, drop
}

// line is one host's line in a message.
type line struct {
	kind  string // down, reminder, up
	text  string
	more  []string // continuation lines
	hosts []string // every host it names

	// For the compact form of a storm: set on plain lines only.
	plain bool
	name  string
	since time.Time     // down
	dur   time.Duration // up: outage; reminder: age
	last  bool          // reminder: the last one

	back  []string // up: hosts behind it that recovered with it
	still int      // up: how many of hosts are named as still down behind it
}

// flush closes the window at now and renders its messages.
func (p *planner) flush(now time.Time) []Message {
	w := p.win
	p.win = nil
	var downs, reminders, ups []*line
	downOf := map[string]*line{} // hosts with a DOWN or reminder line: parents that list children
	upOf := map[string]*line{}   // hosts with an UP line
	var quietUps []*hostState    // untold recoveries behind a parent: named under an UP line or not at all
	var backed []*hostState      // told recoveries that may be named under a parent's UP line

	for _, n := range w.order {
		h := p.hosts[n.host]
		if h == nil || h.removed {
			continue
		}
		if p.muted(h.name) && (h.down || n.toldUp() == nil) {
			h.hushed = h.hushed || (h.down && !h.told)
			continue // nothing of a muted host is sent but the UP of an outage told before (mute.go)
		}
		if h.down {
			if p.covered(h) {
				continue // named under its top's line below, if that has one
			}
			if h.told && !n.hasDown() {
				if n.reminder {
					s := p.schedule(h.name)
					last := n.steps >= len(s)
					l := &line{kind: "reminder", text: reminderText(h.name, n.age, last), hosts: []string{h.name},
						plain: true, name: h.name, dur: n.age, last: last}
					reminders = append(reminders, l)
					downOf[h.name] = l
					h.reminded = max(h.reminded, n.steps)
				}
				continue
			}
			l := p.downLine(h, n)
			downs = append(downs, l)
			downOf[h.name] = l
			h.told, h.hushed = true, false
			h.reminded = max(h.reminded, p.passed(h, now))
			continue
		}
		// Up at the end of the window.
		if n.toldUp() == nil && h.parent != "" {
			quietUps = append(quietUps, h) // decided below
		} else if h.parent != "" {
			backed = append(backed, h)
		}
		l := p.upLine(h, n, now)
		ups = append(ups, l)
		upOf[h.name] = l
	}

	// Recoveries behind a parent that recovered in this window are named
	// under its line ("back with it") rather than on lines of their own;
	// untold ones are named there or nowhere.
	moveUnder := func(h *hostState, a string) {
		l := upOf[h.name]
		delete(upOf, h.name)
		ups = removeLine(ups, l)
		if a != "" {
			// With the hosts named under it so far, if it had any.
			upOf[a].back = append(append(upOf[a].back, h.name), l.back...)
		}
	}
	for _, h := range backed {
		if a := p.ancestorIn(h, upOf); a != "" {
			moveUnder(h, a)
		}
	}
	// An outage never told that lay behind a down parent is named under
	// the parent's UP line if it has one, else nowhere: its DOWN was never
	// sent either. Otherwise it was a flap of its own and keeps its line.
	for _, h := range quietUps {
		a := p.ancestorIn(h, upOf)
		if a == "" && (!w.byHost[h.name].wasCovered() || len(upOf[h.name].back) > 0) {
			continue
		}
		moveUnder(h, a)
	}

	// Children: every down host whose top has a DOWN or reminder line is
	// named under it, and is told from now on. Hosts still down behind a
	// parent that recovered are named under its UP line; those whose
	// parent it was are uncovered and get their own reminders from now on.
	behind := map[string][]string{}
	still := map[string][]string{}
	for _, c := range p.sortedDown() {
		if p.muted(c.name) {
			c.hushed = c.hushed || !c.told
			continue // not named under another line either (mute.go)
		}
		if !p.covered(c) {
			if _, own := downOf[c.name]; own {
				continue // its own line says it is down
			}
			if a := p.ancestorUp(c, upOf); a != "" {
				still[a] = append(still[a], c.name)
				c.told = true
				c.reminded = max(c.reminded, p.passed(c, now))
				p.dirty[c.name] = true
			}
			continue
		}
		t := p.top(c)
		if _, ok := downOf[t.name]; ok {
			behind[t.name] = append(behind[t.name], c.name)
			c.told = true
			p.dirty[c.name] = true
			continue
		}
		if a := p.ancestorUp(c, upOf); a != "" {
			still[a] = append(still[a], c.name)
			c.told = true
			p.dirty[c.name] = true
		}
	}
	for name, kids := range behind {
		l := downOf[name]
		word := "behind it, unreachable too: "
		if l.kind == "reminder" {
			word = "behind it, still unreachable: "
		}
		l.more = append(l.more, "└ "+word+names(kids))
		l.hosts = append(l.hosts, kids...)
		l.plain = false
	}
	for name, l := range upOf {
		if len(l.back) > 0 {
			l.more = append(l.more, "└ back with it: "+names(l.back))
			l.hosts = append(l.hosts, l.back...)
			l.plain = false
		}
		if kids := still[name]; len(kids) > 0 {
			l.more = append(l.more, "└ still down behind it: "+names(kids))
			l.hosts = append(l.hosts, kids...)
			l.still = len(kids)
			l.plain = false
		}
	}

	// Forget what the window ended.
	for _, n := range w.order {
		if h := p.hosts[n.host]; h != nil && (!h.down || h.removed) {
			delete(p.hosts, n.host)
		}
		p.dirty[n.host] = true
	}
	return withButtons(render(downs, reminders, ups, now, p.loc), downs, reminders)
}

// hasDown reports whether an outage began in the window.
func (n *news) hasDown() bool {
	for _, e := range n.events {
		if e.down {
			return true
		}
	}
	return false
}

// wasCovered reports whether the host's parent was down at one of its
// transitions in the window.
func (n *news) wasCovered() bool {
	for _, e := range n.events {
		if e.covered {
			return true
		}
	}
	return false
}

// toldUp is the recovery of a told outage in the window, if any (there is
// at most one: an outage that begins in the window is not told).
func (n *news) toldUp() *event {
	for i := range n.events {
		if !n.events[i].down && n.events[i].told {
			return &n.events[i]
		}
	}
	return nil
}

// downLine renders a host down at the end of the window; what happened
// before its last DOWN in the window follows in order.
func (p *planner) downLine(h *hostState, n *news) *line {
	l := &line{kind: "down", text: downText(h.name, h.address, h.downSince, p.loc), hosts: []string{h.name},
		plain: len(n.events) <= 1, name: h.name, since: h.downSince}
	if h.hushed {
		l.text = strings.TrimSuffix(l.text, ")") + "; found during a mute)"
		l.plain = false
	}
	earlier := n.events
	if k := len(earlier); k > 0 && earlier[k-1].down && earlier[k-1].since.Equal(h.downSince) {
		earlier = earlier[:k-1]
	}
	if len(earlier) > 0 {
		l.text = strings.TrimSuffix(l.text, ")") + "; before that: " + history(earlier, p.loc) + ")"
	}
	l.more = append(l.more, whyLines(h.reason, h.path)...)
	return l
}

// upLine renders a host up at the end of the window. When the user was
// told of the outage it ends, the line gives that outage's length (and
// what happened after, in order); otherwise the last outage's, with when it
// began (and what happened before, in order).
func (p *planner) upLine(h *hostState, n *news, now time.Time) *line {
	var (
		e     event
		notes []string
	)
	for i, ev := range n.events {
		if !ev.down && ev.told {
			e = ev
			if now.Sub(e.at) >= time.Minute {
				// Late (owed from before a restart): say when it came back.
				notes = append(notes, "up since "+stamp(e.at, p.loc))
			}
			if rest := n.events[i+1:]; len(rest) > 0 {
				notes = append(notes, "then: "+history(rest, p.loc))
			}
			break
		}
	}
	told := !e.at.IsZero()
	if !told {
		k := len(n.events)
		if k == 0 || n.events[k-1].down { // cannot happen: an up host's last event is an UP
			return &line{kind: "up", text: upText(h.name, 0), hosts: []string{h.name}}
		}
		e = n.events[k-1]
		// The user never heard of this outage: say where it began.
		notes = append(notes, "down since "+stamp(e.since, p.loc))
		earlier := n.events[:k-1]
		if j := len(earlier); j > 0 && earlier[j-1].down {
			earlier = earlier[:j-1]
		}
		if len(earlier) > 0 {
			notes = append(notes, "before that: "+history(earlier, p.loc))
		}
	}
	dur := e.at.Sub(e.since)
	l := &line{kind: "up", text: upText(h.name, dur), hosts: []string{h.name},
		plain: told && len(notes) == 0, name: h.name, dur: dur}
	if len(notes) > 0 {
		l.text += " (" + strings.Join(notes, "; ") + ")"
	}
	return l
}

// history tells events in order: "down 21:04:01, up 21:04:03 after
// 00:00:02, down 21:04:05"; a down is when its outage started.
func history(events []event, loc *time.Location) string {
	parts := make([]string, len(events))
	for i, e := range events {
		if e.down {
			parts[i] = "down " + clock(e.since, loc) // the outage's start: its first lost probe
		} else {
			parts[i] = "up " + clock(e.at, loc) + " after " + FormatOutage(e.at.Sub(e.since))
		}
	}
	return strings.Join(parts, ", ")
}

// ancestorIn is the nearest ancestor of h (walking known hosts) that has a
// line in lines, or "".
func (p *planner) ancestorIn(h *hostState, lines map[string]*line) string {
	for range 64 {
		if h.parent == "" {
			return ""
		}
		if _, ok := lines[h.parent]; ok {
			return h.parent
		}
		par := p.hosts[h.parent]
		if par == nil {
			return ""
		}
		h = par
	}
	return ""
}

// ancestorUp is the host with an UP line that h sits behind through a
// chain of down hosts (h's parent, or the parent of a down parent…), or "".
func (p *planner) ancestorUp(h *hostState, ups map[string]*line) string {
	for range 64 {
		if h.parent == "" {
			return ""
		}
		if _, ok := ups[h.parent]; ok {
			return h.parent
		}
		par := p.hosts[h.parent]
		if par == nil || !par.down {
			return ""
		}
		h = par
	}
	return ""
}

// sortedDown lists the down hosts by outage start, then name, so that
// children are named in a stable order.
func (p *planner) sortedDown() []*hostState {
	var hs []*hostState
	for _, h := range p.hosts {
		if h.down && !h.removed {
			hs = append(hs, h)
		}
	}
	sort.Slice(hs, func(i, j int) bool {
		if !hs[i].downSince.Equal(hs[j].downSince) {
			return hs[i].downSince.Before(hs[j].downSince)
		}
		return hs[i].name < hs[j].name
	})
	return hs
}

func removeLine(ls []*line, l *line) []*line {
	for i, x := range ls {
		if x == l {
			return append(ls[:i], ls[i+1:]...)
		}
	}
	return ls
}
