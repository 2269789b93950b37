package keylock

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestKeyedMutexSerialisesPerKey(t *testing.T) {
	var k Mutex[string]
	var inside, maxInside atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			unlock, err := k.Lock(context.Background(), "same@example.com")
			if err != nil {
				t.Error(err)
				return
			}
			n := inside.Add(1)
			for {
				m := maxInside.Load()
				if n <= m || maxInside.CompareAndSwap(m, n) {
					break
				}
			}
			time.Sleep(time.Millisecond)
			inside.Add(-1)
			unlock()
		}()
	}
	wg.Wait()
	if maxInside.Load() != 1 {
		t.Errorf("%d holders at once, want 1", maxInside.Load())
	}
	if k.Size() != 0 {
		t.Errorf("%d keys left after all unlocked, want 0 (memory must not grow)", k.Size())
	}
}

func TestKeyedMutexOtherKeysIndependent(t *testing.T) {
	var k Mutex[string]
	unlockA, _ := k.Lock(context.Background(), "a")
	done := make(chan struct{})
	go func() {
		unlockB, err := k.Lock(context.Background(), "b")
		if err == nil {
			unlockB()
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("lock on b waited for a")
	}
	unlockA()
	unlockA() // a second call is harmless
	if k.Size() != 0 {
		t.Errorf("%d keys left", k.Size())
	}
}

func TestKeyedMutexCancelledWait(t *testing.T) {
	var k Mutex[string]
	unlock, _ := k.Lock(context.Background(), "a")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := k.Lock(ctx, "a"); err == nil {
		t.Fatal("lock with a cancelled context succeeded while held")
	}
	unlock()
	if k.Size() != 0 {
		t.Errorf("%d keys left after a cancelled waiter", k.Size())
	}
	u2, err := k.Lock(context.Background(), "a")
	if err != nil {
		t.Fatal(err)
	}
	u2()
}
