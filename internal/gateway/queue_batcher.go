package gateway

import (
	"context"
	"sync"
	"time"
)

// Queue-member batching: Genesys adds up to 100 members per call
// (POST /api/v2/routing/queues/{queueId}/members), so concurrent creates that join the same queue
// share one call instead of one each (fewer upstream calls in bulk loads).
// A batch stays open queueBatchWindow, or, while outbound pacing is
// saturated, as long as its call would wait for its slot anyway (at most
// queueBatchMaxWait): under a bulk load users reach their queue step a few
// per second, far apart for a fixed 25 ms window.
const (
	queueBatchMax     = 100
	queueBatchWindow  = 25 * time.Millisecond
	queueBatchMaxWait = 5 * time.Second
)

// addMembersFunc adds users to a queue (genesys.Client.AddQueueMembers).
type addMembersFunc func(ctx context.Context, queueID string, userIDs []string) error

// queueBatcher coalesces queue-member adds per queue. The first add to a
// queue opens a batch and leads it: it waits for the window (or until the
// batch is full), then makes the one call; every add in the batch learns
// that call's result. No background goroutine is needed.
type queueBatcher struct {
	add    addMembersFunc
	max    int
	window func() time.Duration // how long a new batch stays open

	mu   sync.Mutex
	open map[string]*queueBatch // by queue id
}

type queueBatch struct {
	users []string
	seen  map[string]bool
	full  chan struct{} // closed when the batch reaches max
	done  chan struct{} // closed after the call; err (or errs) is then set
	err   error
	errs  map[string]error // per user, when the batch was split
}

// errFor is the outcome of userID's add.
func (b *queueBatch) errFor(userID string) error {
	if b.errs != nil {
		return b.errs[userID]
	}
	return b.err
}

func newQueueBatcher(add addMembersFunc, max int, window func() time.Duration) *queueBatcher {
	return &queueBatcher{add: add, max: max, window: window, open: map[string]*queueBatch{}}
}

// Add makes userID a member of queueID, sharing the upstream call with
// concurrent adds to the same queue. It returns the call's result, or ctx's
// error if ctx ends first (the add still happens).
func (b *queueBatcher) Add(ctx context.Context, queueID, userID string) error {
	b.mu.Lock()
	batch, leader := b.open[queueID], false
	if batch == nil {
		batch = &queueBatch{seen: map[string]bool{}, full: make(chan struct{}), done: make(chan struct{})}
		b.open[queueID] = batch
		leader = true
	}
	if !batch.seen[userID] {
		batch.seen[userID] = true
		batch.users = append(batch.users, userID)
		if len(batch.users) >= b.max {
			delete(b.open, queueID)
			close(batch.full)
		}
	}
	b.mu.Unlock()

	if leader {
		b.lead(ctx, queueID, batch)
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
// creates wait for it (the client's per-call timeout bounds it).
func (b *queueBatcher) lead(ctx context.Context, queueID string, batch *queueBatch) {
	t := time.NewTimer(b.window())
	select {
	case <-t.C:
	case <-batch.full:
		t.Stop()
	}
	b.mu.Lock()
	if b.open[queueID] == batch {
		delete(b.open, queueID)
	}
	users := batch.users // sealed: no more appends
	b.mu.Unlock()
	cctx := context.WithoutCancel(ctx)
	batch.err = b.add(cctx, queueID, users)
	if len(users) > 1 && refused(batch.err) {
		// Genesys refused the batch as a whole (one member was deleted
		// meanwhile, say): one bad id must not cost the others their
		// membership, so each is added on its own and learns its own result.
		batch.errs = make(map[string]error, len(users))
		for _, u := range users {
			batch.errs[u] = b.add(cctx, queueID, []string{u})
		}
	}
	close(batch.done)
}

// pacedWindow is the batch window for a client whose pacing backlog is
// backlog(): the base window, plus the wait the call would have anyway,
// capped.
func pacedWindow(backlog func() time.Duration) func() time.Duration {
	return func() time.Duration {
		return min(queueBatchWindow+backlog(), queueBatchMaxWait)
	}
}
