package alert

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Host lists in messages are sorted in natural order (storm-2 before
// storm-10) and a run of three or more numbered names in a row is folded
// into its ends ("storm-01 … storm-30"), so a storm reads on a phone.

// naturalLess orders names as a person would: runs of digits compare by
// value, the rest byte by byte.
func naturalLess(a, b string) bool { return naturalCompare(a, b) < 0 }

func naturalCompare(a, b string) int {
	for a != "" && b != "" {
		da, db := digitsPrefix(a), digitsPrefix(b)
		switch {
		case da > 0 && db > 0:
			na, nb := strings.TrimLeft(a[:da], "0"), strings.TrimLeft(b[:db], "0")
			if c := len(na) - len(nb); c != 0 {
				return c
			}
			if c := strings.Compare(na, nb); c != 0 {
				return c
			}
			if c := da - db; c != 0 { // "01" after "1": fewer leading zeros first
				return c
			}
			a, b = a[da:], b[db:]
		default:
			if a[0] != b[0] {
				return int(a[0]) - int(b[0])
			}
			a, b = a[1:], b[1:]
		}
	}
	return len(a) - len(b)
}

func digitsPrefix(s string) int {
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	return n
}

// numbered splits a name at its last run of digits: "storm-07b" is
// ("storm-", 7, 2, "b"); ok is false when it has no digits or too many.
func numbered(name string) (prefix string, n uint64, width int, suffix string, ok bool) {
	end := len(name)
	for end > 0 && (name[end-1] < '0' || name[end-1] > '9') {
		end--
	}
	start := end
	for start > 0 && name[start-1] >= '0' && name[start-1] <= '9' {
		start--
	}
	if start == end || end-start > 18 {
		return "", 0, 0, "", false
	}
	n, err := strconv.ParseUint(name[start:end], 10, 64)
	return name[:start], n, end - start, name[end:], err == nil
}

// follows reports whether name b comes right after a in a numbered run:
// same prefix and suffix, the next number, and a width that matches (or
// grows without zero padding: storm-9, storm-10).
func follows(a, b string) bool {
	pa, na, wa, sa, oka := numbered(a)
	pb, nb, wb, sb, okb := numbered(b)
	if !oka || !okb || pa != pb || sa != sb || nb != na+1 {
		return false
	}
	return wa == wb || len(strconv.FormatUint(na, 10)) == wa && len(strconv.FormatUint(nb, 10)) == wb
}

// foldNames sorts names naturally, drops repeats and folds each run of at
// least three consecutive numbered names into "first … last". The items
// are not escaped.
func foldNames(names []string) []string {
	sorted := slices.Clone(names)
	slices.SortFunc(sorted, naturalCompare)
	sorted = slices.Compact(sorted)
	var items []string
	for i := 0; i < len(sorted); {
		j := i
		for j+1 < len(sorted) && follows(sorted[j], sorted[j+1]) {
			j++
		}
		if j-i >= 2 {
			items = append(items, sorted[i]+" … "+sorted[j])
		} else {
			items = append(items, sorted[i:j+1]...)
		}
		i = j + 1
	}
	return items
}

// names lists hosts, sorted, folded and escaped, at most maxListed items.
func names(hosts []string) string {
	items := foldNames(hosts)
	n := len(items)
	if n > maxListed {
		items = items[:maxListed]
	}
	parts := make([]string, len(items))
	for i, h := range items {
		parts[i] = esc(h)
	}
	s := strings.Join(parts, ", ")
	if n > maxListed {
		s += fmt.Sprintf(" and %d more", n-maxListed)
	}
	return s
}
