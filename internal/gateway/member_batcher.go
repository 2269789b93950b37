package gateway

import (
	"context"
	"sync"
	"time"
)

// Member batching: Genesys adds up to 100 members to a queue per call
// (POST /api/v2/routing/queues/{queueId}/members) and 50 to a group
// (POST /api/v2/groups/{groupId}/members), so concurrent creates that join
// the same queue or group share one call instead of one each (fewer
// upstream calls in bulk loads). A batch stays open batchWindow, or, while
// outbound pacing is saturated, as long as its call would wait for its slot
// anyway (at most batchMaxWait): under a bulk load users reach their
// membership steps a few per second, far apart for a fixed 25 ms window.
const (
	queueBatchMax = 100
	groupBatchMax = 50
	batchWindow   = 25 * time.Millisecond
	batchMaxWait  = 5 * time.Second
)

// addMembersFunc adds users to a queue or group.
type addMembersFunc func(ctx context.Context, targetID string, userIDs []string) error

// memberBatcher coalesces member adds per queue or group. The first add to
// a target opens a batch and leads it: it waits for the window (or until
// the batch is full), then makes the one call; every add in the batch
// learns that call's result. Each batch has one short-lived goroutine; none
// outlives its call.
type memberBatcher struct {
	add    addMembersFunc
	max    int
	window func() time.Duration // how long a new batch stays open

	mu   sync.Mutex
	open map[string]*memberBatch // by queue or group id
}

type memberBatch struct {
	users []string
	seen  map[string]bool
	full  chan struct{} // closed when the batch reaches max
	done  chan struct{} // closed after the call; err (or errs) is then set
	err   error
	errs  map[string]error // per user, when the batch was split
}

// errFor is the outcome of userID's add.
func (b *memberBatch) errFor(userID string) error {
	if b.errs != nil {
		return b.errs[userID]
	}
	return b.err
}

func newMemberBatcher(add addMembersFunc, max int, window func() time.Duration) *memberBatcher {
	return &memberBatcher{add: add, max: max, window: window, open: map[string]*memberBatch{}}
}

// Add makes userID a member of targetID (a queue or group), sharing the upstream call with
// concurrent adds to the same target. It returns the call's result, or ctx's
// error if ctx ends first (the add still happens).
func (b *memberBatcher) Add(ctx context.Context, targetID, userID string) error {
	b.mu.Lock()
	batch, leader := b.open[targetID], false
	if batch == nil {
		batch = &memberBatch{seen: map[string]bool{}, full: make(chan struct{}), done: make(chan struct{})}
		b.open[targetID] = batch
		leader = true
	}
	if !batch.seen[userID] {
		batch.seen[userID] = true
		batch.users = append(batch.users, userID)
		if len(batch.users) >= b.max {
			delete(b.open, targetID)
			close(batch.full)
		}
	}
	b.mu.Unlock()

	if leader {
		// Led in its own goroutine: the leader's caller, like every other,
		// stops waiting when its request ends, while the call the batch
		// shares still happens (bounded by batchMaxWait and the client's
		// per-call timeout).
		go b.lead(ctx, targetID, batch)
	}
	select {
	case <-batch.done:
		return batch.errFor(userID)
	case <-ctx.Done():
		return ctx.Err()
	}
}

// lead waits for the batch to fill or the window to pass, seals it and makes
// the call. The call does not depend on the leader's caller staying: other
// creates wait for it (the client's per-call timeout bounds it), and the
// add of a caller that left is still made (its step is idempotent to
// replay).
func (b *memberBatcher) lead(ctx context.Context, targetID string, batch *memberBatch) {
	t := time.NewTimer(b.window())
	select {
	case <-t.C:
	case <-batch.full:
		t.Stop()
	}
	b.mu.Lock()
	if b.open[targetID] == batch {
		delete(b.open, targetID)
	}
	users := batch.users // sealed: no more appends
	b.mu.Unlock()
	cctx := context.WithoutCancel(ctx)
	batch.err = b.add(cctx, targetID, users)
	if len(users) > 1 && refused(batch.err) {
		// Genesys refused the batch as a whole (one member was deleted
		// meanwhile, say): one bad id must not cost the others their
		// membership, so each is added on its own and learns its own result.
		batch.errs = make(map[string]error, len(users))
		for _, u := range users {
			batch.errs[u] = b.add(cctx, targetID, []string{u})
		}
	}
	close(batch.done)
}

// pacedWindow is the batch window for a client whose pacing backlog is
// backlog(): the base window, plus the wait the call would have anyway,
// capped.
func pacedWindow(backlog func() time.Duration) func() time.Duration {
	return func() time.Duration {
		return min(batchWindow+backlog(), batchMaxWait)
	}
}
