package probe

import (
	"context"
	"errors"
	"net/netip"
	"time"
)

// resolveTimeout bounds one lookup, so that a hanging DNS server turns into
// a failed probe rather than a host that stays PENDING forever.
const resolveTimeout = 5 * time.Second

// retryResolve is the least time between two lookups of a name that did not
// resolve.
const retryResolve = 5 * time.Second

// startResolve looks up s's name in the background when it has no address
// yet or its address is older than ResolveEvery. Called with e.mu held.
func (e *Engine) startResolve(s *slot) {
	if e.opts.Prober != nil || e.ctx == nil {
		return
	}
	if _, literal := s.spec.Target.Literal(); literal {
		return
	}
	x := s.extLocked()
	if x.name == nil {
		x.name = new(nameState)
	}
	ns := x.name
	if ns.resolving {
		return
	}
	if s.addr.IsValid() && time.Since(ns.resolvedAt) < e.opts.ResolveEvery {
		return
	}
	// A name that does not resolve is tried again, but not on every probe:
	// a thousand broken names must not become a thousand queries a second.
	if !s.addr.IsValid() && !ns.resolvedAt.IsZero() && time.Since(ns.resolvedAt) < min(e.opts.ResolveEvery, retryResolve) {
		return
	}
	ns.resolving = true
	name := s.spec.Target.Host
	e.workers.Add(1)
	go func() {
		defer e.workers.Done()
		ctx, cancel := context.WithTimeout(e.ctx, resolveTimeout)
		addrs, err := e.opts.Resolver.LookupNetIP(ctx, "ip", name)
		cancel()
		if err == nil && len(addrs) == 0 {
			err = errors.New("no addresses")
		}
		e.mu.Lock()
		defer e.mu.Unlock()
		ns.resolving = false
		ns.resolvedAt = time.Now()
		if err != nil {
			// Keep probing a previously known address: a DNS outage is not
			// the host's outage. Without one, each probe fails with the reason.
			ns.resolveErr = &ResolveError{Name: name, Err: err}
			return
		}
		ns.resolveErr = nil
		s.setAddrLocked(preferIPv4(addrs))
	}()
}

// preferIPv4 picks the first IPv4 address, else the first address, like
// fping without -6.
func preferIPv4(addrs []netip.Addr) netip.Addr {
	for _, a := range addrs {
		if a.Unmap().Is4() {
			return a.Unmap()
		}
	}
	return addrs[0].Unmap()
}

// reResolveAfter is how many consecutive failures of a named host make the
// engine resolve the name again (its address may have moved).
const reResolveAfter = 3

// noteOutcomeLocked counts consecutive failures of s, and resolves a named
// host again after a few: its address may have changed.
func (e *Engine) noteOutcomeLocked(s *slot, ok bool) {
	if ok {
		s.failures = 0
		return
	}
	s.failures++
	if ns := s.name(); s.failures >= reResolveAfter && ns != nil && time.Since(ns.resolvedAt) > 30*time.Second {
		ns.resolvedAt = time.Time{} // stale: startResolve will look it up
		e.startResolve(s)
	}
}
