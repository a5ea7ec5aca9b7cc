package alert

import (
	"sort"
	"time"
)

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

// flushNow closes the window at once (shutting down).
func (p *planner) flushNow(now time.Time) []Message {
	if p.win == nil {
		return nil
	}
	return p.flush(now)
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
