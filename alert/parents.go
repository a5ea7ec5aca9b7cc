package alert

// maxChain bounds every walk up a host's parents, a guard against a cycle,
// which the config refuses anyway.
const maxChain = 64

// behind reports whether h sits behind host name through a chain of down
// parents.
func (p *planner) behind(h *hostState, name string) bool {
	for range maxChain {
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

// covered reports whether h's parent is down.
func (p *planner) covered(h *hostState) bool {
	par := p.hosts[h.parent]
	return h.parent != "" && par != nil && par.down
}

// top is the topmost down host of h's chain of down parents (h itself
// when its parent is up).
func (p *planner) top(h *hostState) *hostState {
	for range maxChain {
		par := p.hosts[h.parent]
		if h.parent == "" || par == nil || !par.down {
			break
		}
		h = par
	}
	return h
}

// ancestorIn is the nearest ancestor of h (walking known hosts) that has a
// line in lines, or "".
func (p *planner) ancestorIn(h *hostState, lines map[string]*line) string {
	for range maxChain {
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
	for range maxChain {
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
