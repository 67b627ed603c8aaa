package chain

import (
	"cmp"
	"slices"
)

// A Member is an object of a series: rotation N of the chain of Base.
type Member struct {
	Key  string
	Base string // the key of the chain's first object
	N    int    // the rotation number; 0 for Base itself
}

// Compare orders members as a series is read: chains in the order of
// their base keys, each chain in rotation-number order. It returns -1, 0
// or +1.
func Compare(a, b Member) int {
	if c := cmp.Compare(a.Base, b.Base); c != 0 {
		return c
	}
	return cmp.Compare(a.N, b.N)
}

// Of returns key as a member of the chain of base, and ok = false when it
// is not one.
func Of(base, key string) (m Member, ok bool) {
	if key == base {
		return Member{Key: key, Base: base}, true
	}
	if b, n, ok := Parse(key); ok && b == base {
		return Member{Key: key, Base: base, N: n}, true
	}
	return Member{}, false
}

// Group sorts keys into chains and returns them in series order (see
// Compare). A key that Parse reads as a rotation is one, unless another of
// the keys is a rotation of it: then it is a base itself (a key such as
// backup.20261130.log, with rotations backup.20261130.1.log, ...).
func Group(keys []string) []Member {
	members := make([]Member, 0, len(keys))
	bases := map[string]bool{}
	for _, k := range keys {
		m := Member{Key: k, Base: k}
		if b, n, ok := Parse(k); ok {
			m.Base, m.N = b, n
			bases[b] = true
		}
		members = append(members, m)
	}
	for i, m := range members {
		if m.N > 0 && bases[m.Key] {
			members[i] = Member{Key: m.Key, Base: m.Key}
		}
	}
	slices.SortFunc(members, Compare)
	return members
}
