package alert

import (
	"slices"
	"sort"
	"time"
)

// MuteAll is the host name of a mute that covers every host (/mute all).
const MuteAll = "*"

// Mute keeps a host quiet until Until: it is still probed, but no DOWN,
// reminder or UP of it is sent. An outage still running when the mute
// ends gets its DOWN then; one that began and ended inside it is only in
// the history.
type Mute struct {
	Host  string // a host's name, or MuteAll
	Until time.Time
	By    string // who muted it: "Ann (@ann)", "tui", "maintenance"
	At    time.Time
}

// Ack is an acknowledged outage: no more reminders for it; its UP still
// comes.
type Ack struct {
	Host      string
	DownSince time.Time // the outage it acknowledges
	By        string
	At        time.Time
}

// Silences are the mutes and acks in force, for the UI, the metrics and
// /status.
type Silences struct {
	Mutes []Mute // by host; MuteAll first when set
	Acks  []Ack  // by host
}

// Muted returns the mute that covers host, if any (its own, or MuteAll).
func (s Silences) Muted(host string) (Mute, bool) {
	for _, m := range s.Mutes {
		if m.Host == host || m.Host == MuteAll {
			return m, true
		}
	}
	return Mute{}, false
}

// Acked returns host's ack, if its running outage has one.
func (s Silences) Acked(host string) (Ack, bool) {
	for _, a := range s.Acks {
		if a.Host == host {
			return a, true
		}
	}
	return Ack{}, false
}

// SilenceStore keeps acks and mutes across restarts. The store package
// implements it in the state file, MemStore in memory; a Store without it
// keeps them for the run only.
type SilenceStore interface {
	// Silences returns what SaveSilences saved last.
	Silences() (Silences, error)
	// SaveSilences replaces the saved mutes and acks with s.
	SaveSilences(s Silences) error
}

// muted reports whether host is muted now (mutes past their end are
// dropped by expireMutes before anything is decided).
func (p *planner) muted(host string) bool {
	if _, ok := p.mutes[host]; ok {
		return true
	}
	_, ok := p.mutes[MuteAll]
	return ok
}

// quiet reports whether h gets no reminders: its outage is acknowledged,
// or it is muted.
func (p *planner) quiet(h *hostState) bool {
	return h.ack != nil || p.muted(h.name)
}

// mute records m; it replaces the host's earlier mute.
func (p *planner) mute(m Mute) {
	p.mutes[m.Host] = m
	p.silenceDirty = true
}

// unmute ends host's mute (MuteAll: every mute) at now and reports whether
// there was one. The outages it hid are told at the next due.
func (p *planner) unmute(host string, now time.Time) bool {
	var ended []string
	for name := range p.mutes {
		if name == host || host == MuteAll {
			ended = append(ended, name)
		}
	}
	for _, name := range ended {
		p.endMute(name, now)
	}
	return len(ended) > 0
}

// endMute drops the mute of name. A told outage it covered takes up its
// reminders without catching up on the steps passed meanwhile; an untold
// one gets its DOWN from tellUntold, marked as found during the mute.
func (p *planner) endMute(name string, now time.Time) {
	delete(p.mutes, name)
	p.silenceDirty = true
	for _, h := range p.hosts {
		if (h.name == name || name == MuteAll) && h.down && h.told && !p.muted(h.name) {
			h.reminded = max(h.reminded, p.passed(h, now))
			p.dirty[h.name] = true
		}
	}
}

// expireMutes ends the mutes whose time is up.
func (p *planner) expireMutes(now time.Time) {
	for name, m := range p.mutes {
		if !m.Until.After(now) {
			p.endMute(name, now)
			p.expired = append(p.expired, m)
		}
	}
}

// nextMuteEnd is when the earliest mute ends; zero when none is set.
func (p *planner) nextMuteEnd() time.Time {
	var next time.Time
	for _, m := range p.mutes {
		if next.IsZero() || m.Until.Before(next) {
			next = m.Until
		}
	}
	return next
}

// acknowledge marks host's running outage acknowledged. ok=false when the
// host has no running outage; fresh=false when it was acknowledged before
// (a is then that first ack).
func (p *planner) acknowledge(host, by string, now time.Time) (a Ack, ok, fresh bool) {
	h := p.hosts[host]
	if h == nil || !h.down || h.removed {
		return Ack{}, false, false
	}
	if h.ack != nil {
		return *h.ack, true, false
	}
	a = Ack{Host: host, DownSince: h.downSince, By: by, At: now}
	h.ack = &a
	p.silenceDirty = true
	return a, true, true
}

// loadSilences takes the saved mutes and acks at start-up. An ack of an
// outage the monitor has open (open, by host) waits for its restore
// (dormantAcks); the others, and mutes past their end, are forgotten.
func (p *planner) loadSilences(s Silences, open map[string]time.Time, now time.Time) {
	for _, m := range s.Mutes {
		if m.Until.After(now) {
			p.mutes[m.Host] = m
		}
	}
	for _, a := range s.Acks {
		if since, ok := open[a.Host]; ok && since.Equal(a.DownSince) {
			p.dormantAcks[a.Host] = a
		}
	}
}

// adoptAck gives h the saved ack of its outage, if there is one.
func (p *planner) adoptAck(h *hostState) {
	a, ok := p.dormantAcks[h.name]
	if !ok {
		return
	}
	delete(p.dormantAcks, h.name)
	if a.DownSince.Equal(h.downSince) {
		h.ack = &a
		p.silenceDirty = true
	}
}

// clearAck forgets h's ack: its outage ended, or a new one began.
func (p *planner) clearAck(h *hostState) {
	if h.ack != nil {
		h.ack = nil
		p.silenceDirty = true
	}
	delete(p.dormantAcks, h.name)
}

// dropMutesOf ends the mute of a host that is gone (removed, or no longer
// in the config).
func (p *planner) dropMutesOf(host string) {
	if _, ok := p.mutes[host]; ok {
		delete(p.mutes, host)
		p.silenceDirty = true
	}
}

// saved is what SaveSilences keeps: the silences in force and the acks
// waiting for their outage's restore.
func (p *planner) saved() Silences {
	s := p.silences()
	for _, a := range p.dormantAcks {
		s.Acks = append(s.Acks, a)
	}
	sort.Slice(s.Acks, func(i, j int) bool { return s.Acks[i].Host < s.Acks[j].Host })
	return s
}

// silences lists the mutes and acks in force.
func (p *planner) silences() Silences {
	var s Silences
	for _, m := range p.mutes {
		s.Mutes = append(s.Mutes, m)
	}
	for _, h := range p.hosts {
		if h.ack != nil && h.down && !h.removed {
			s.Acks = append(s.Acks, *h.ack)
		}
	}
	sort.Slice(s.Mutes, func(i, j int) bool {
		a, b := s.Mutes[i].Host, s.Mutes[j].Host
		if (a == MuteAll) != (b == MuteAll) {
			return a == MuteAll
		}
		return a < b
	})
	sort.Slice(s.Acks, func(i, j int) bool { return s.Acks[i].Host < s.Acks[j].Host })
	return s
}

// withButtons sets each message's Down: the hosts of the DOWN and
// reminder lines it carries.
func withButtons(msgs []Message, lines ...[]*line) []Message {
	for i := range msgs {
		named := map[string]bool{}
		for _, h := range msgs[i].Hosts {
			named[h] = true
		}
		for _, ls := range lines {
			for _, l := range ls {
				if len(l.hosts) > 0 && named[l.hosts[0]] {
					msgs[i].Down = append(msgs[i].Down, l.hosts[0])
				}
			}
		}
	}
	return msgs
}

var _ SilenceStore = (*MemStore)(nil)

// Silences implements SilenceStore.
func (s *MemStore) Silences() (Silences, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return Silences{}, s.fail
	}
	return s.silences, nil
}

// SaveSilences implements SilenceStore.
func (s *MemStore) SaveSilences(x Silences) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return s.fail
	}
	s.silences = Silences{Mutes: slices.Clone(x.Mutes), Acks: slices.Clone(x.Acks)}
	return nil
}

// MaintenanceBy is who a maintenance window's mute is by.
const MaintenanceBy = "maintenance"

// applyMaintenance mutes the hosts of every window under way until its
// end, and notes when the next window starts (for next). A window's mute
// comes back while the window lasts, whatever /unmute said.
func (p *planner) applyMaintenance(now time.Time) {
	p.maintNext = time.Time{}
	for _, w := range p.maint {
		if s, _, ok := w.Next(now); ok && (p.maintNext.IsZero() || s.Before(p.maintNext)) {
			p.maintNext = s
		}
		end, ok := w.Active(now)
		if !ok {
			continue
		}
		names := make(map[string]bool, len(p.conf)+len(p.hosts))
		for n := range p.conf {
			names[n] = true
		}
		for n := range p.hosts {
			names[n] = true
		}
		for n := range names {
			if !w.Matches(n) {
				continue
			}
			if m, ok := p.mutes[n]; ok && !m.Until.Before(end) {
				continue
			}
			m := Mute{Host: n, Until: end, By: MaintenanceBy, At: now}
			p.mute(m)
			p.started = append(p.started, m)
		}
	}
}
