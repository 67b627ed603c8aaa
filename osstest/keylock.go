package osstest

import (
	"context"
	"sync"
)

// keyLocks serialises the appends to each object, so that an append can
// stream its body into place without holding the store's lock: a second
// append to the same object waits for the first, then finds the object's
// new length, as concurrent appends to one position on OSS find that
// exactly one of them won.
type keyLocks struct {
	mu sync.Mutex
	m  map[string]*keyLock
}

type keyLock struct {
	token chan struct{} // full while held
	refs  int           // holders and waiters
}

// lock takes the lock of name, or gives up when ctx is done. The function
// it returns releases the lock.
func (k *keyLocks) lock(ctx context.Context, name string) (func(), error) {
	k.mu.Lock()
	if k.m == nil {
		k.m = map[string]*keyLock{}
	}
	l := k.m[name]
	if l == nil {
		l = &keyLock{token: make(chan struct{}, 1)}
		k.m[name] = l
	}
	l.refs++
	k.mu.Unlock()
	select {
	case l.token <- struct{}{}:
		return func() { <-l.token; k.forget(name, l) }, nil
	case <-ctx.Done():
		k.forget(name, l)
		return nil, ctx.Err()
	}
}

func (k *keyLocks) forget(name string, l *keyLock) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if l.refs--; l.refs == 0 {
		delete(k.m, name)
	}
}
