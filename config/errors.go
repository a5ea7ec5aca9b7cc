package config

import (
	"strconv"
	"strings"
)

// Error is a problem in the config file, a target or a target file. The
// program exits 78 (EX_CONFIG) on it (find it with errors.As).
type Error struct {
	File string // the config or target file as given; "" for command-line targets
	Line int    // 1-based; 0 when unknown
	Key  string // the TOML key, e.g. "defaults.interval" or "host.parent"; "" when none
	Msg  string // what is wrong and how to fix it; it names the key itself
	Err  error  // the underlying error (e.g. from os.ReadFile), if any
}

// Error renders "hosts.toml: line 12: host "db1": parent "core" does not exist (...)".
func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteString(": ")
	}
	if e.Line > 0 {
		b.WriteString("line ")
		b.WriteString(strconv.Itoa(e.Line))
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap returns the underlying error, so errors.Is(err, fs.ErrNotExist) works.
func (e *Error) Unwrap() error { return e.Err }

// suggest returns the candidate closest to a mistyped key, or "" when none
// is close enough to be a plausible typo.
func suggest(key string, candidates []string) string {
	norm := func(s string) string { return strings.ReplaceAll(strings.ToLower(s), "-", "_") }
	best, bestDist := "", -1
	for _, c := range candidates {
		if norm(c) == norm(key) {
			return c // differs only in case or "-" for "_"
		}
		d := EditDistance(norm(key), c)
		if bestDist < 0 || d < bestDist {
			best, bestDist = c, d
		}
	}
	// Two edits catch most typos ("adress", "downafter"); longer keys may
	// stray a little further before the suggestion becomes a guess.
	if bestDist >= 0 && (bestDist <= 2 || bestDist <= len(key)/3) {
		return best
	}
	return ""
}

// EditDistance is the optimal string alignment distance between a and b:
// Levenshtein with the swap of two neighbouring bytes counted as one edit,
// in bytes (keys, commands and host names are ASCII).
func EditDistance(a, b string) int {
	// Three rows: the one two above is needed for a swap.
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
