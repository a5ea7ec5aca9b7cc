package alert

import (
	"time"
)

// schedule is host's reminder schedule.
func (p *planner) schedule(host string) []time.Duration {
	if c, ok := p.conf[host]; ok && c.Reminders != nil {
		return c.Reminders
	}
	return p.defaults(host)
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
