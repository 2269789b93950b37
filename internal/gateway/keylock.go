package gateway

import (
	"context"
	"sync"
)

// keyedMutex serialises work per key (a normalised email) with a lock that a
// cancelled context can stop waiting for. Entries exist only while someone
// holds or waits for a key, so memory does not grow with the number of keys
// ever seen. The zero value is ready to use.
type keyedMutex struct {
	mu    sync.Mutex
	locks map[string]*keyLock
}

type keyLock struct {
	token chan struct{} // holds one token while the key is free
	refs  int           // holders plus waiters
}

// lock acquires key, waiting until it is free or ctx ends. The returned
// function releases it and must be called exactly once.
func (k *keyedMutex) lock(ctx context.Context, key string) (unlock func(), err error) {
	k.mu.Lock()
	if k.locks == nil {
		k.locks = map[string]*keyLock{}
	}
	l := k.locks[key]
	if l == nil {
		l = &keyLock{token: make(chan struct{}, 1)}
		l.token <- struct{}{}
		k.locks[key] = l
	}
	l.refs++
	k.mu.Unlock()

	select {
	case <-l.token:
		var once sync.Once
		return func() {
			once.Do(func() {
				l.token <- struct{}{}
				k.release(key, l)
			})
		}, nil
	case <-ctx.Done():
		k.release(key, l)
		return nil, ctx.Err()
	}
}

// release drops one reference to l and forgets the key when nobody holds or
// waits for it.
func (k *keyedMutex) release(key string, l *keyLock) {
	k.mu.Lock()
	defer k.mu.Unlock()
	l.refs--
	if l.refs == 0 && k.locks[key] == l {
		delete(k.locks, key)
	}
}

// size is the number of keys currently held or waited for (tests).
func (k *keyedMutex) size() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.locks)
}
