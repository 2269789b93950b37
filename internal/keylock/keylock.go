// Package keylock serialises work per key with locks that a cancelled
// context can stop waiting for: the gateway's creates per email and its
// group creates and renames per name.
package keylock

import (
	"context"
	"sync"
)

// Mutex serialises work per key. Entries exist only while someone holds or
// waits for a key, so memory does not grow with the number of keys ever
// seen. The zero value is ready to use.
type Mutex[K comparable] struct {
	mu    sync.Mutex
	locks map[K]*keyLock
}

type keyLock struct {
	token chan struct{} // holds one token while the key is free
	refs  int           // holders plus waiters
}

// Lock acquires key, waiting until it is free or ctx ends. The returned
// function releases it; calling it more than once is harmless.
func (k *Mutex[K]) Lock(ctx context.Context, key K) (unlock func(), err error) {
	k.mu.Lock()
	if k.locks == nil {
		k.locks = map[K]*keyLock{}
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
func (k *Mutex[K]) release(key K, l *keyLock) {
	k.mu.Lock()
	defer k.mu.Unlock()
	l.refs--
	if l.refs == 0 && k.locks[key] == l {
		delete(k.locks, key)
	}
}

// Size is the number of keys currently held or waited for.
func (k *Mutex[K]) Size() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.locks)
}
