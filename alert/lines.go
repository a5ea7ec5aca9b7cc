package alert

import (
	"strings"
	"time"
)

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
