package config

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"downtime/probe"
)

// Validate checks the host list as a whole: every host's own values, unique
// names, parents that exist and no parent cycles. Load runs it; run it again
// after adding hosts.
func (c *Config) Validate() error {
	return c.checkHosts()
}

func (c *Config) checkHosts() error {
	byName := make(map[string]int, len(c.Hosts))
	byTarget := make(map[probe.Target]int, len(c.Hosts))
	for i := range c.Hosts {
		h := &c.Hosts[i]
		if err := c.checkHost(h); err != nil {
			return err
		}
		if j, dup := byName[h.Name]; dup {
			return c.duplicate(&c.Hosts[j], h)
		}
		byName[h.Name] = i
		if j, dup := byTarget[h.Target]; dup {
			return c.sameTarget(&c.Hosts[j], h)
		}
		byTarget[h.Target] = i
	}
	for i := range c.Hosts {
		h := &c.Hosts[i]
		switch _, ok := byName[h.Parent]; {
		case h.Parent == "":
		case h.Parent == h.Name:
			return c.hostErr(h, "parent", "parent %q is the host itself (name another [[host]], or remove parent)", h.Parent)
		case !ok:
			return c.hostErr(h, "parent", "parent %q does not exist (parent must be the name of another [[host]])", h.Parent)
		}
	}
	// Each host has at most one parent, so following parents from each host
	// in turn finds every cycle in linear time. state: 0 not seen, 1 on the
	// chain being followed, 2 known to end at a host without a parent.
	state := make([]uint8, len(c.Hosts))
	for i := range c.Hosts {
		var chain []int
		j := i
		for j >= 0 && state[j] == 0 {
			state[j] = 1
			chain = append(chain, j)
			j = -1
			if p := c.Hosts[chain[len(chain)-1]].Parent; p != "" {
				j = byName[p]
			}
		}
		if j >= 0 && state[j] == 1 {
			loop := chain[slices.Index(chain, j):]
			// Start the loop at its first host in the list, so the
			// message does not depend on where the search began.
			k := slices.Index(loop, slices.Min(loop))
			loop = append(loop[k:], loop[:k]...)
			names := make([]string, 0, len(loop)+1)
			for _, x := range loop {
				names = append(names, c.Hosts[x].Name)
			}
			names = append(names, names[0])
			return c.hostErr(&c.Hosts[loop[0]], "parent", "parents form a loop: %s (remove parent from one of them)", strings.Join(names, " → "))
		}
		for _, x := range chain {
			state[x] = 2
		}
	}
	return nil
}

// checkHost checks the values of one host, which Load has already done for
// the file's hosts; it guards hosts built elsewhere.
func (c *Config) checkHost(h *Host) error {
	if err := checkName(h.Name); err != nil {
		return c.hostErr(h, "name", "%v", err)
	}
	switch {
	case h.Interval <= 0:
		return c.hostErr(h, "interval", "interval must be longer than 0")
	case h.Timeout <= 0:
		return c.hostErr(h, "timeout", "timeout must be longer than 0")
	case h.Timeout > h.Interval:
		return c.hostErr(h, "timeout", "timeout %s is longer than interval %s (make timeout at most the interval)", fmtDuration(h.Timeout), fmtDuration(h.Interval))
	case h.DownAfter < 1:
		return c.hostErr(h, "down_after", "down_after must be at least 1")
	case h.UpAfter < 1:
		return c.hostErr(h, "up_after", "up_after must be at least 1")
	}
	for i, r := range h.Reminders {
		if r <= 0 || (i > 0 && r <= h.Reminders[i-1]) {
			return c.hostErr(h, "reminders", "reminders must be longer than 0 and increasing")
		}
	}
	return nil
}

// duplicate reports two hosts with one name; a config host is the one
// located, since it is the one with a line to point at.
func (c *Config) duplicate(first, second *Host) error {
	switch {
	case first.Origin == OriginConfig && second.Origin == OriginConfig:
		return c.hostErr(second, "name", "the name is used twice (also at line %d; give one of them another name)",
			c.hostLine(first, "name"))
	case first.Origin == OriginConfig || second.Origin == OriginConfig:
		cfg, other := first, second
		if second.Origin == OriginConfig {
			cfg, other = second, first
		}
		return c.hostErr(cfg, "name", "the name is also used by a host %s (%s) (remove one of them, or give the [[host]] another name)",
			other.Origin.Describe(), other.Address)
	}
	return &Error{Msg: fmt.Sprintf("host %q is given twice: %s (%s) and %s (%s)",
		first.Name, first.Origin.Describe(), first.Address, second.Origin.Describe(), second.Address)}
}

// sameTarget reports two hosts that watch one target. The rule for one
// address defined twice: when a [[host]] table is one of the two, it is an
// error naming both places, since the two may differ in name, parent or
// timing and only one can be right; plain targets (arguments, -f lines,
// networks) that repeat each other are the same host and merge (AddTargets).
func (c *Config) sameTarget(first, second *Host) error {
	where := first.Origin.Describe()
	if first.fileIndex > 0 {
		where = "line " + strconv.Itoa(c.hostLine(first, "address"))
	}
	return c.hostErr(second, "address", "%s is also the address of host %q (%s): one address is watched by one host (remove one of them, or merge their settings)",
		second.Target, first.Name, where)
}

// hostErr makes an *Error about key of h, with the file and line when h is
// one of the file's [[host]] tables.
func (c *Config) hostErr(h *Host, key, format string, args ...any) *Error {
	e := &Error{Key: join("host", key), Msg: fmt.Sprintf("host %q: ", h.Name) + fmt.Sprintf(format, args...)}
	if h.fileIndex > 0 {
		e.File, e.Line = c.Path, c.hostLine(h, key)
	} else {
		e.Msg = fmt.Sprintf("host %q (%s): ", h.Name, h.Origin.Describe()) + fmt.Sprintf(format, args...)
	}
	return e
}

// hostLine finds the line of key in h's [[host]] table (or of the table
// when the key is not written there); 0 for hosts not from the file.
func (c *Config) hostLine(h *Host, key string) int {
	if h.fileIndex == 0 {
		return 0
	}
	lines := scanKeyLines(c.src) // only on the way to an error, so not kept
	base := "host." + strconv.Itoa(h.fileIndex-1)
	if key == "name" && lines[base+".name"] == 0 {
		key = "address" // a name that defaults to the address
	}
	return lines.at(join(base, key))
}

// AddTargets adds a host for each target (an IP, DNS name, tcp://host:port
// or CIDR network), named by its address, with the defaults. source names
// where the targets came from in errors, e.g. "command line" or a target
// file's name.
//
// A target that is already a host (same name or same target) is skipped when
// that host also came from arguments, a target file or the runtime list: the
// same address given twice is harmless, and networks given as targets may
// overlap. When it is a [[host]] of the config file it is an error naming
// both, as for two [[host]] tables with one address (see sameTarget).
func (c *Config) AddTargets(targets []string, origin Origin, source string) error {
	byName := make(map[string]int, len(c.Hosts)+len(targets))
	byTarget := make(map[probe.Target]int, len(c.Hosts)+len(targets))
	c.Hosts = slices.Grow(c.Hosts, len(targets)) // a target is mostly one host
	for i, h := range c.Hosts {
		if _, ok := byName[h.Name]; !ok {
			byName[h.Name] = i
		}
		if _, ok := byTarget[h.Target]; !ok {
			byTarget[h.Target] = i
		}
	}
	for _, s := range targets {
		ts, err := ExpandTarget(s)
		if err != nil {
			return &Error{File: source, Msg: err.Error()}
		}
		for _, t := range ts {
			name := t.String()
			j, dup := byName[name]
			if !dup {
				j, dup = byTarget[t]
			}
			if dup {
				if h := &c.Hosts[j]; h.Origin == OriginConfig {
					at := c.Path
					if n := c.hostLine(h, "address"); n > 0 {
						at += ", line " + strconv.Itoa(n)
					}
					fix := "remove one of them"
					if len(ts) > 1 {
						fix = fmt.Sprintf("network %s includes it: narrow the network, or remove the [[host]]", strings.TrimSpace(s))
					}
					return &Error{File: source, Msg: fmt.Sprintf("target %q is also [[host]] %q (%s) with address %q: one address is watched by one host (%s)",
						name, h.Name, at, h.Address, fix)}
				}
				continue
			}
			addr := name
			if len(ts) == 1 {
				addr = strings.TrimSpace(s) // as written, unless it was a network
			}
			byName[name], byTarget[t] = len(c.Hosts), len(c.Hosts)
			c.Hosts = append(c.Hosts, c.newHost(t, addr, name, origin))
		}
	}
	return nil
}

// NewHost builds a host for the UI's "add host": target is parsed like an
// address in the config (no networks), name defaults to the address, and
// neither may already be in c.Hosts. It does not add the host to c.Hosts.
func (c *Config) NewHost(target, name string) (Host, error) {
	t, err := ParseTarget(target)
	if err != nil {
		return Host{}, err
	}
	name = strings.TrimSpace(name)
	if name == "" {
		name = t.String()
	}
	if err := checkName(name); err != nil {
		return Host{}, err
	}
	if err := c.checkNew(name, t); err != nil {
		return Host{}, err
	}
	return c.newHost(t, strings.TrimSpace(target), name, OriginRuntime), nil
}

// AddRuntime appends a host added at runtime in an earlier run, as the
// store returns it: Address is parsed again, zero timing values take the
// defaults, and its name, target and parent are checked against c.Hosts, so
// a host that has since been written into the config is not watched twice.
func (c *Config) AddRuntime(h Host) error {
	t, err := ParseTarget(h.Address)
	if err != nil {
		return fmt.Errorf("runtime host %q: %w", h.Name, err)
	}
	if h.Name == "" {
		h.Name = t.String()
	}
	h.Target, h.Origin, h.fileIndex = t, OriginRuntime, 0
	d := c.Defaults
	if h.Interval == 0 {
		h.Interval = d.Interval
	}
	if h.Timeout == 0 {
		h.Timeout = min(d.Timeout, h.Interval)
	}
	if h.DownAfter == 0 {
		h.DownAfter = d.DownAfter
	}
	if h.UpAfter == 0 {
		h.UpAfter = d.UpAfter
	}
	h.Reminders = slices.Clone(h.Reminders)
	if err := c.checkHost(&h); err != nil {
		return err
	}
	if err := c.checkNew(h.Name, t); err != nil {
		return fmt.Errorf("runtime host %q: %w", h.Name, err)
	}
	if h.Parent != "" && !slices.ContainsFunc(c.Hosts, func(o Host) bool { return o.Name == h.Parent }) {
		return fmt.Errorf("runtime host %q: parent %q does not exist", h.Name, h.Parent)
	}
	c.Hosts = append(c.Hosts, h)
	return nil
}

// checkNew checks that neither a new host's name nor its target is in use.
func (c *Config) checkNew(name string, t probe.Target) error {
	for _, h := range c.Hosts {
		if h.Name == name {
			return fmt.Errorf("name %q is already used by %s (choose another name)", name, h.Address)
		}
		if h.Target == t {
			return fmt.Errorf("%s is already watched as %q", t, h.Name)
		}
	}
	return nil
}

// newHost builds a host with the defaults.
func (c *Config) newHost(t probe.Target, addr, name string, origin Origin) Host {
	d := c.Defaults
	return Host{
		Name:      name,
		Address:   addr,
		Target:    t,
		Interval:  d.Interval,
		Timeout:   d.Timeout,
		DownAfter: d.DownAfter,
		UpAfter:   d.UpAfter,
		Reminders: d.Reminders, // shared: no one changes a loaded config
		Origin:    origin,
	}
}

// checkName checks a host name: not empty, no control characters, which
// would break the table and log lines, and no format characters (U+202E
// right-to-left override, zero-width spaces and joiners), which make two
// different names look the same.
func checkName(name string) error {
	if name == "" {
		return errors.New("name is empty")
	}
	for _, r := range name {
		if unicode.IsControl(r) {
			return fmt.Errorf("name %q contains a control character (names are shown in the table and in alerts)", name)
		}
		if unicode.Is(unicode.Cf, r) {
			return fmt.Errorf("name %q contains the invisible format character %U (it makes names look alike; type the name again without it)", name, r)
		}
	}
	return nil
}
