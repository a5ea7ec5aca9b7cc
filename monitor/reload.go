package monitor

import (
	"context"
	"fmt"
	"slices"

	"downtime/config"
	"downtime/probe"
)

// ReloadResult names the hosts a reload added, removed and changed.
type ReloadResult struct {
	Added, Removed, Changed []string
}

// forgetter is the optional part of a Store that deletes the saved state of
// a host gone from the config, so that a host of that name added later
// starts afresh instead of inheriting an old outage.
type forgetter interface {
	Forget(name string) error
}

// reloadPlan is what a reload asks of the engine (the hosts to stop
// probing, then the specs to (re)start) and the NoticeRemoved of each
// removed host whose outage was open.
type reloadPlan struct {
	stop    []probe.HostID
	start   []probe.Spec
	notices []Transition
}

// Reload makes the monitored hosts those of a new config, matched by name:
//
//   - a host not in hosts is removed, wherever it was defined, except a host
//     added at runtime, which a config does not list and which stays;
//   - a host of hosts not monitored yet is added (Pending, a new ID);
//   - a host in both keeps its ID, state, outage, statistics and counters,
//     and takes the new settings (interval, timeout, thresholds, parent,
//     reminders). When its target changed, its statistics and counters start
//     afresh (they described the old address) but its state does not: an
//     outage already alerted ends with one UP, when the new address answers.
//
// A runtime host whose name a host of hosts now uses becomes that host; one
// whose target another host of hosts now probes is removed, as at start-up,
// so nothing is watched twice. A host whose parent would be gone makes
// Reload fail with ErrNoParent before anything changes. The hosts keep the
// order of hosts, runtime hosts after them.
//
// Reload tells neither the engine nor the alert path; Runner.Reload does.
func (m *Monitor) Reload(hosts []config.Host) (ReloadResult, error) {
	res, _, err := m.reload(hosts)
	return res, err
}

func (m *Monitor) reload(hosts []config.Host) (ReloadResult, reloadPlan, error) {
	var (
		res  ReloadResult
		plan reloadPlan
	)
	wanted := make(map[string]*config.Host, len(hosts))
	targets := make(map[probe.Target]bool, len(hosts))
	for i := range hosts {
		hc := &hosts[i]
		if hc.Name == "" {
			return res, plan, fmt.Errorf("reload: host %q: empty name", hc.Address)
		}
		if wanted[hc.Name] != nil {
			return res, plan, fmt.Errorf("reload: host %q: %w", hc.Name, ErrDuplicateName)
		}
		wanted[hc.Name] = hc
		targets[hc.Target] = true
	}

	// Decide first; change nothing until every parent is known to exist.
	var (
		matched = make(map[string]*host, len(hosts))
		kept    []*host // runtime hosts that stay
		gone    []*host
		seen    = make(map[string]bool, len(m.hosts))
	)
	for _, h := range m.hosts {
		name := h.cfg.Name
		switch {
		case seen[name]:
			gone = append(gone, h) // a duplicate name New let through
		case wanted[name] != nil:
			matched[name] = h
		case h.cfg.Origin == config.OriginRuntime && !targets[h.cfg.Target]:
			kept = append(kept, h)
		default:
			gone = append(gone, h)
		}
		seen[name] = true
	}
	keptNames := make(map[string]bool, len(kept))
	for _, h := range kept {
		keptNames[h.cfg.Name] = true
	}
	exists := func(name string) bool { return wanted[name] != nil || keptNames[name] }
	for _, hc := range hosts {
		if hc.Parent != "" && !exists(hc.Parent) {
			return res, plan, fmt.Errorf("reload: host %q: parent %q: %w", hc.Name, hc.Parent, ErrNoParent)
		}
	}
	for _, h := range kept {
		if p := h.cfg.Parent; p != "" && !exists(p) {
			return res, plan, fmt.Errorf("reload: host %q (added at runtime) has parent %q, which the new config no longer has: %w; remove %q first",
				h.cfg.Name, p, ErrNoParent, h.cfg.Name)
		}
	}

	now := m.now()
	for _, h := range gone {
		if h.hasOutage() {
			plan.notices = append(plan.notices, h.notice(NoticeRemoved, h.state, now))
			if !exists(h.cfg.Name) {
				m.closeOutage(h)
			}
		}
		m.byID[h.id] = nil
		if h.state != Paused {
			plan.stop = append(plan.stop, h.id)
		}
		if !exists(h.cfg.Name) { // not a duplicate of a host that stays
			m.forget(h)
		}
		res.Removed = append(res.Removed, h.cfg.Name)
	}
	order := make([]*host, 0, len(hosts)+len(kept))
	for i := range hosts {
		hc := &hosts[i]
		h := matched[hc.Name]
		if h == nil {
			h = m.insert(hc, now)
			plan.start = append(plan.start, h.spec())
			res.Added = append(res.Added, hc.Name)
			order = append(order, h)
			continue
		}
		if !sameHost(*h.cfg, *hc) || h.cfg.Origin != hc.Origin {
			res.Changed = append(res.Changed, hc.Name)
		}
		respec := m.update(h, hc)
		m.adopt(h, hc)
		if respec && h.state != Paused {
			plan.start = append(plan.start, h.spec())
		}
		order = append(order, h)
	}
	order = append(order, kept...)

	m.hosts = order
	clear(m.byName)
	for _, h := range m.hosts {
		if _, dup := m.byName[h.cfg.Name]; !dup {
			m.byName[h.cfg.Name] = h
		}
	}
	m.version++
	return res, plan, nil
}

// update prepares h for its new settings hc and reports whether the engine
// must probe it anew (its target or timing changed). A new target resets
// what was measured at the old one.
func (m *Monitor) update(h *host, hc *config.Host) (respec bool) {
	old := h.cfg
	if old.Target != hc.Target {
		h.samples = ring{}
		if h.counters != nil {
			*h.counters = Counters{}
		}
		h.fails, h.oks = 0, 0
		h.lastErr = ""
	}
	return old.Target != hc.Target || old.Interval != hc.Interval || old.Timeout != hc.Timeout
}

// adopt gives h its new settings: it points at hc from now on, so that the
// previous config's host list can go. A runtime host that a config host of the
// same name replaces leaves the store's runtime list; its state, saved
// under the same name, is saved again since leaving the list deletes it.
func (m *Monitor) adopt(h *host, hc *config.Host) {
	if sameHost(*h.cfg, *hc) && h.cfg.Origin == hc.Origin {
		h.cfg = hc
		return
	}
	wasRuntime := h.cfg.Origin == config.OriginRuntime && hc.Origin != config.OriginRuntime
	h.cfg = hc
	m.touch(h)
	if wasRuntime && m.store != nil {
		m.storeErr("forget runtime host", h, m.store.RemoveRuntimeHost(hc.Name))
		m.save(h)
	}
}

// forget drops what the store keeps of a removed host: its runtime record,
// or the saved state of a host from the config. Its outage history stays.
func (m *Monitor) forget(h *host) {
	if m.store == nil {
		return
	}
	if h.cfg.Origin == config.OriginRuntime {
		m.storeErr("forget runtime host", h, m.store.RemoveRuntimeHost(h.cfg.Name))
		return
	}
	if f, ok := m.store.(forgetter); ok {
		m.storeErr("forget state", h, f.Forget(h.cfg.Name))
	}
}

// sameHost reports whether two definitions of a host probe and judge it
// alike (Origin aside).
func sameHost(a, b config.Host) bool {
	return a.Name == b.Name && a.Address == b.Address && a.Target == b.Target && a.Parent == b.Parent &&
		a.Interval == b.Interval && a.Timeout == b.Timeout &&
		a.DownAfter == b.DownAfter && a.UpAfter == b.UpAfter &&
		slices.Equal(a.Reminders, b.Reminders)
}

// Reload applies a new config's hosts (see Monitor.Reload) and tells the
// engine: removed hosts stop being probed, added ones start, and a host
// whose target or timing changed is probed anew under its ID. Removing a
// host with an open outage sends a NoticeRemoved on Transitions, as Remove
// does.
func (r *Runner) Reload(ctx context.Context, hosts []config.Host) (ReloadResult, error) {
	var (
		res ReloadResult
		err error
	)
	if cerr := r.call(ctx, func() {
		var plan reloadPlan
		if res, plan, err = r.m.reload(hosts); err != nil {
			return
		}
		for _, id := range plan.stop {
			r.eng.Remove(id)
		}
		for _, s := range plan.start {
			r.eng.Add(s)
		}
		r.notices = append(r.notices, plan.notices...)
	}); cerr != nil {
		return ReloadResult{}, cerr
	}
	return res, err
}
