package ossread

import (
	"context"
	"fmt"
	"strings"

	"github.com/ossappend/ossappend/internal/chain"
	"github.com/ossappend/ossappend/internal/ossapi"
)

// series is what a Reader reads: one object, the chain of a key, or every
// object under a prefix.
type series struct {
	c      ListClient
	bucket string
	key    string // the object, the chain's first key, or the prefix
	kind   seriesKind
}

type seriesKind int

const (
	oneObject   seriesKind = iota // Only
	oneChain                      // a key
	underPrefix                   // a key that ends in '/'
)

func (s series) String() string { return s.bucket + "/" + s.key }

// list returns the objects of the series that exist now, in order.
func (s series) list(ctx context.Context) ([]chain.Member, error) {
	switch s.kind {
	case oneChain:
		return chain.List(ctx, s.c, s.bucket, s.key)
	case underPrefix:
		return chain.ListPrefix(ctx, s.c, s.bucket, s.key)
	}
	return []chain.Member{{Key: s.key, Base: s.key}}, nil
}

// after returns the objects of the series that come after m and exist now,
// in order; all of them if there is no m yet. For a chain it asks for the
// next rotation of m alone, with one HeadObject: the writer of a chain
// creates its rotations in number order. For a prefix, it lists the prefix.
func (s series) after(ctx context.Context, m chain.Member, begun bool) ([]chain.Member, error) {
	switch {
	case !begun:
		return s.list(ctx)
	case s.kind == oneChain:
		next := chain.Rotate(s.key, m.N+1)
		obj, err := ossapi.Head(ctx, s.c, s.bucket, next)
		if err != nil {
			return nil, fmt.Errorf("head %s: %w", next, err)
		}
		if !obj.Exists {
			return nil, nil
		}
		return []chain.Member{{Key: next, Base: s.key, N: m.N + 1}}, nil
	case s.kind == underPrefix:
		all, err := s.list(ctx)
		if err != nil {
			return nil, err
		}
		for i, o := range all {
			if chain.Compare(o, m) > 0 {
				return all[i:], nil
			}
		}
	}
	return nil, nil
}

// member returns key as a member of the series, in which members are in
// order, and ok = false when key does not belong to the series.
func (s series) member(members []chain.Member, key string) (m chain.Member, ok bool) {
	for _, m := range members {
		if m.Key == key {
			return m, true
		}
	}
	switch s.kind {
	case oneChain:
		return chain.Of(s.key, key)
	case underPrefix:
		if strings.HasPrefix(key, s.key) && !strings.HasSuffix(key, "/") {
			return chain.Group([]string{key})[0], true
		}
		return chain.Member{}, false
	}
	return chain.Member{Key: key, Base: key}, key == s.key
}

// start returns the index in members, the objects of the series in order,
// of the first object to read, and the offset to read it from. With
// WithStartAt it also returns the start key as a member: what follows it
// is read even if the key itself is gone.
func (s series) start(members []chain.Member, cfg config) (i int, off int64, from *chain.Member, err error) {
	switch {
	case cfg.startKey != "":
		target, ok := s.member(members, cfg.startKey)
		if !ok {
			return 0, 0, nil, invalid("start key %q is not an object of %s", cfg.startKey, s.describe())
		}
		for i, m := range members {
			if c := chain.Compare(m, target); c >= 0 {
				if c > 0 {
					return i, 0, &target, nil // the start key is gone: from the next object's start
				}
				return i, cfg.start, &target, nil
			}
		}
		return len(members), 0, &target, nil
	case cfg.startAtEnd:
		return max(len(members)-1, 0), 0, nil, nil
	}
	return 0, cfg.start, nil, nil
}

// describe names the series for messages.
func (s series) describe() string {
	switch s.kind {
	case oneChain:
		return "the chain of " + s.String()
	case underPrefix:
		return "the prefix " + s.String()
	}
	return s.String()
}

// missing is the error of a series without any object.
func (s series) missing() error {
	switch s.kind {
	case oneChain:
		return fmt.Errorf("ossread: %s: %w, nor does any rotation of it (such as %s/%s)", s, ErrNoSuchKey, s.bucket, chain.Rotate(s.key, 1))
	case underPrefix:
		return fmt.Errorf("ossread: %s: %w: no object under the prefix", s, ErrNoSuchKey)
	}
	return fmt.Errorf("ossread: %s: %w", s, ErrNoSuchKey)
}
