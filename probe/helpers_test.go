package probe

// Test-only helpers: one reply or one deadline at a time, where the engine
// itself works in batches.

// expire reports probe seq of s as timed out unless its reply came.
func (e *Engine) expire(s *slot, seq uint64) {
	for _, res := range e.expireAll([]deadline{{s: s, seq: seq}}, nil) {
		e.emit(res)
	}
}

// setPending makes ps the probes of s in flight, oldest first.
func (s *slot) setPending(ps ...pending) {
	s.first, s.ext = pending{}, nil
	for _, p := range ps {
		s.addPending(p)
	}
}

// match turns a decoded reply into a Result when it answers a probe we are
// waiting for (see matchAll).
func (e *Engine) match(r reply) {
	for _, res := range e.matchAll([]reply{r}, nil) {
		e.emit(res)
	}
}
