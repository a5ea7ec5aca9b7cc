package alert

import (
	"slices"
	"sort"
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

	conf    map[string]*config.Host // the configured hosts, by name; never modified
	hosts   map[string]*hostState   // open outages, and hosts with news in the window
	dormant map[string]HostAlert    // saved outages the monitor has not restored yet
	parents map[string]bool         // hosts named as a parent, so far
	win     *window                 // nil when none is open
	dirty   map[string]bool         // hosts whose saved record must be written or dropped
	loc     *time.Location          // for the times in messages

	mutes        map[string]Mute // in force, by host (or MuteAll); see mute.go
	dormantAcks  map[string]Ack  // saved acks of outages not restored yet
	silenceDirty bool            // mutes or acks changed since the last save
	maint        []config.Maintenance
	maintNext    time.Time // the next window's start; zero when none
	expired      []Mute    // mutes ended by time, for the log
	started      []Mute    // mutes a maintenance window began, for the log
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

// begin makes h's outage the one t names, new to the planner: down since
// t.DownSince, not told, no reminder sent, with t's reason and path.
func (h *hostState) begin(t monitor.Transition) {
	h.down, h.downSince, h.told, h.reminded, h.paused = true, t.DownSince, false, 0, false
	h.reason, h.path = t.Reason, ""
	if t.Path != nil {
		h.path = t.Path.String()
	}
}

func newPlanner(window time.Duration, defaults func(string) []time.Duration) *planner {
	if defaults == nil {
		defaults = func(string) []time.Duration { return nil }
	}
	return &planner{
		window:   window,
		defaults: defaults,
		conf:     make(map[string]*config.Host),
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
		parent = c.Parent
		h.parent = parent
	} else if parent != "" || address != "" {
		h.parent = parent
	}
	if parent != "" {
		p.parents[parent] = true
	}
	return h
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
	next := make(map[string]*config.Host, len(hosts))
	for name, c := range p.conf {
		if c.Origin == config.OriginRuntime {
			kept := *c // a copy: the old host list can go
			next[name] = &kept
		}
	}
	for i := range hosts {
		next[hosts[i].Name] = &hosts[i]
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
		if c, ok := next[h.name]; ok && c.Parent != h.parent {
			h.parent = c.Parent
			if c.Parent != "" {
				p.parents[c.Parent] = true
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
		h.begin(t)
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
		h.begin(t)
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

// untold reports whether h is down and on its own (not covered, not
// paused) but was never told, with no news in the window to tell it and no
// parent's news there that will name it: it lost its parent (a reload, a
// removal) while covered and unnamed, or it was resumed after a restart
// that lost its DOWN.
func (p *planner) untold(h *hostState) bool {
	return h.down && !h.told && !h.paused && !h.removed && !p.covered(h) && !p.muted(h.name) &&
		!p.inWindow(h.name) && (h.parent == "" || !p.inWindow(h.parent))
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
