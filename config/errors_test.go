package config

import "testing"

// TestEditDistance: Levenshtein, with a swap of two neighbouring letters
// one edit (the commonest typo), as the suggestions of keys, commands and
// host names count it.
func TestEditDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"", "abc", 3},
		{"abc", "abc", 0},
		{"kitten", "sitting", 3},
		{"chek-config", "check-config", 1},
		{"intreval", "interval", 1}, // a swap
		{"teh", "the", 1},
		{"ca", "abc", 3}, // optimal string alignment: a swapped pair is not edited again
		{"web01", "web-01", 1},
	} {
		if got := EditDistance(c.a, c.b); got != c.want {
			t.Errorf("EditDistance(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
		if got := EditDistance(c.b, c.a); got != c.want {
			t.Errorf("EditDistance(%q, %q) = %d, want %d", c.b, c.a, got, c.want)
		}
	}
}
