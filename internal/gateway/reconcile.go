package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"
	"golang.org/x/sync/errgroup"

	"github.com/caddyscim/caddyscim/internal/audit"
	"github.com/caddyscim/caddyscim/internal/genesys"
	"github.com/caddyscim/caddyscim/internal/outbox"
)

// Routing follows membership. For a user a membership change touches, the
// managed skills, languages and queues (those any group block names) become
// exactly what the group blocks of the user's Genesys groups give: skills
// and languages at the highest proficiency any of them gives, and their
// queues. Nothing outside the managed set is touched (hand-assigned routing
// and the purecloud extension's stay). Queues are reconciled for the queues
// of the groups involved in the change (reading every queue's members per
// user would cost more than the change).
//
// Reconciliation runs from the outbox, after the membership write: it
// survives restarts, runs once across instances sharing storage, retries
// with backoff, and reads each user afresh when it runs, so the latest
// membership wins when changes queue up. Reconciling a user whose routing
// is already right writes nothing.

// kindReconcile is the outbox kind of a reconciliation.
const kindReconcile = "reconcile"

// Reconciliation sizes: users per outbox entry (one bulk read,
// GET /api/v2/users?id=... takes 100), and users reconciled at once.
const (
	reconcileBatch       = 100
	reconcileConcurrency = 8
)

// reconcileJob is a reconcile entry's payload; its JSON form is stable.
type reconcileJob struct {
	// Users to reconcile (at most reconcileBatch).
	Users []string `json:"users"`
	// Queues are the names of the queues of the groups involved in the
	// change: each becomes a membership exactly when the user's groups give
	// it.
	Queues []string `json:"queues,omitempty"`
	// GivenQueues also adds every queue the user's groups give (a
	// reactivation, an add through a User's groups), without removals.
	GivenQueues bool `json:"given_queues,omitempty"`
}

// reconciler runs reconciliations.
type reconciler struct{ *core }

// pendingReconcile is reconciliation stored ahead of the write it follows.
type pendingReconcile struct {
	r       *reconciler
	entries []outbox.Entry
}

// schedule stores the reconciliation of users ahead of the membership write
// it follows, due only after the request's deadline: if the process stops
// between the two, it still runs then (and reconciles whatever membership
// the write left). release makes it due at once once the write is done.
// Without an outbox the reconciliation runs inline at release.
func (r *reconciler) schedule(ctx context.Context, users, queues []string, givenQueues bool) (*pendingReconcile, error) {
	p := &pendingReconcile{r: r}
	users = dedupe(users)
	if len(users) == 0 {
		return p, nil
	}
	due := time.Now().Add(pendingReconcileDelay)
	if d, ok := ctx.Deadline(); ok && d.Add(pendingAfterDeadline).After(due) {
		due = d.Add(pendingAfterDeadline)
	}
	if limit := r.cfg.OutboxMaxAge; limit > 0 {
		// Due well before the outbox would give it up unrun. Due before the
		// write is done, it may run early: release stores it again.
		if latest := time.Now().Add(limit / 2); latest.Before(due) {
			due = latest
		}
	}
	for len(users) > 0 {
		n := min(len(users), reconcileBatch)
		payload, err := json.Marshal(reconcileJob{Users: users[:n], Queues: dedupe(queues), GivenQueues: givenQueues})
		if err != nil {
			return nil, err
		}
		id, err := outbox.NewID()
		if err != nil {
			return nil, err
		}
		p.entries = append(p.entries, outbox.Entry{ID: id, Key: kindReconcile, Kind: kindReconcile, Payload: payload,
			Created: time.Now(), NextAttempt: due})
		users = users[n:]
	}
	if r.outbox == nil {
		return p, nil
	}
	ectx, cancel := context.WithTimeout(context.WithoutCancel(ctx), enqueueTimeout)
	defer cancel()
	for _, e := range p.entries {
		if err := r.outbox.Enqueue(ectx, e); err != nil {
			return nil, unavailable("the reconciliation of routing with group membership could not be queued; retry", err)
		}
	}
	return p, nil
}

// pendingReconcileDelay is how long a reconciliation stored ahead of its
// write waits when the request has no deadline.
const pendingReconcileDelay = 2 * time.Minute

// pendingAfterDeadline is how long after the request's deadline a
// reconciliation stored ahead of its write becomes due, when not released.
const pendingAfterDeadline = time.Minute

// release makes the reconciliation due now (the write it follows is done,
// or failed: it reconciles whatever membership is there).
func (p *pendingReconcile) release(ctx context.Context) {
	if len(p.entries) == 0 {
		return
	}
	if p.r.outbox == nil {
		for _, e := range p.entries {
			if err := p.r.runEntry(ctx, e); err != nil {
				p.r.log.Warn("inline reconciliation failed", zap.Error(err))
			}
		}
		return
	}
	ectx, cancel := context.WithTimeout(context.WithoutCancel(ctx), enqueueTimeout)
	defer cancel()
	for _, e := range p.entries {
		e.NextAttempt = time.Now()
		if err := p.r.outbox.Reschedule(ectx, e); err != nil {
			// It stays stored, due at the time schedule gave it.
			p.r.log.Warn("could not make a reconciliation due; it runs later", zap.Error(err))
		}
	}
}

// runEntry reconciles the users of one entry: one bulk read of them with
// their groups, skills and languages, then per user only the writes that
// change something, queue changes batched across the users. A failure
// Genesys may get over fails the entry (retried: users already right cost
// nothing but the read); a user Genesys refuses is audited and skipped.
func (r *reconciler) runEntry(ctx context.Context, e outbox.Entry) error {
	var job reconcileJob
	if err := json.Unmarshal(e.Payload, &job); err != nil {
		r.record(ctx, audit.Event{Name: audit.RoutingError, Outcome: audit.Failed, Operation: reconcileOperation,
			Error: "unreadable reconciliation entry"})
		return nil
	}
	unlock, err := r.lockReconciliation(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	users, err := r.cfg.Client.GetUsersByID(ctx, job.Users, expandGroups, "skills", "languages")
	if err != nil {
		return withRetryAfter(err)
	}
	managed, err := r.managedRouting(ctx)
	if err != nil {
		return withRetryAfter(err)
	}
	names, err := r.groupNames(ctx, users, dueAt(e))
	if err != nil {
		return withRetryAfter(err)
	}
	involved := map[string]bool{}
	for _, q := range job.Queues {
		if id := managed.queues[q]; id != "" {
			involved[id] = true
		}
	}

	var mu sync.Mutex
	queueAdds, queueRemoves := map[string][]string{}, map[string][]string{}
	changed := map[string]bool{}
	var transient error
	eg, ectx := errgroup.WithContext(ctx)
	eg.SetLimit(reconcileConcurrency)
	for i := range users {
		u := &users[i]
		if u.State == genesys.StateDeleted || u.ID == "" {
			continue
		}
		want := managed.desired(r.blocksOf(u, names))
		eg.Go(func() error {
			n, err := r.reconcileUser(ectx, u, managed, want)
			mu.Lock()
			defer mu.Unlock()
			if n > 0 {
				changed[u.ID] = true
			}
			switch {
			case err == nil:
			case retryable(err):
				transient = err
			default:
				r.record(ctx, r.userEvent(audit.RoutingError, audit.Failed, u, "refused by Genesys Cloud: "+errorText(err)))
			}
			for q := range want.queues {
				if involved[q] || job.GivenQueues {
					queueAdds[q] = append(queueAdds[q], u.ID)
				}
			}
			for q := range involved {
				if !want.queues[q] {
					queueRemoves[q] = append(queueRemoves[q], u.ID)
				}
			}
			return nil
		})
	}
	_ = eg.Wait()
	refused := map[string]string{} // user id -> what Genesys refused
	queueOp := func(ops map[string][]string, op func(context.Context, string, []string) error, what string) {
		for q, ids := range ops {
			err := op(ctx, q, ids)
			for _, id := range ids {
				changed[id] = true
			}
			switch {
			case err == nil:
			case retryable(err):
				transient = err
			default:
				for _, id := range ids {
					refused[id] = what + " queue " + q + ": " + errorText(err)
				}
			}
		}
	}
	queueOp(queueAdds, r.cfg.Client.AddQueueMembers, "joining")
	queueOp(queueRemoves, r.cfg.Client.RemoveQueueMembers, "leaving")
	for i := range users {
		u := &users[i]
		switch {
		case refused[u.ID] != "":
			r.record(ctx, r.userEvent(audit.RoutingError, audit.Failed, u, "refused by Genesys Cloud: "+refused[u.ID]))
		case changed[u.ID]:
			r.record(ctx, r.userEvent(audit.RoutingAssigned, audit.Success, u, ""))
		}
	}
	if transient != nil {
		return withRetryAfter(transient)
	}
	return nil
}

// userEvent is an audit entry about the reconciliation of u.
func (r *reconciler) userEvent(name, outcome string, u *genesys.User, errText string) audit.Event {
	ev := auditEvent(name, outcome, u.ID, normaliseAddress(u.Email), errText)
	ev.Operation = reconcileOperation
	return ev
}

// entryCompleted: each user was audited as it was reconciled.
func (r *reconciler) entryCompleted(outbox.Entry) {}

// entryGivenUp audits the users whose reconciliation outbox_max_age ended.
func (r *reconciler) entryGivenUp(e outbox.Entry, err error) {
	var job reconcileJob
	_ = json.Unmarshal(e.Payload, &job)
	for _, id := range job.Users {
		ev := auditEvent(audit.RoutingError, audit.Failed, id, "", "gave up reconciling routing after outbox_max_age: "+errorText(err))
		ev.Operation = reconcileOperation
		r.record(context.Background(), ev)
	}
}

// reconcileUser brings u's managed skills and languages to want, writing
// only what differs: one bulk PATCH for the skills to add or correct, one
// DELETE per skill to remove, the same for languages. It returns how many
// writes it made.
func (r *reconciler) reconcileUser(ctx context.Context, u *genesys.User, m *managedRouting, want desiredRouting) (int, error) {
	c := r.cfg.Client
	writes := 0
	var skillsSet []genesys.Proficiency
	have := map[string]float64{}
	for _, s := range u.Skills {
		have[s.ID] = s.Proficiency
	}
	for id, p := range want.skills {
		if cur, ok := have[id]; !ok || cur != p {
			skillsSet = append(skillsSet, genesys.Proficiency{ID: id, Proficiency: p})
		}
	}
	if len(skillsSet) > 0 {
		writes++
		if err := c.AddUserSkills(ctx, u.ID, sortedProficiencies(skillsSet)); err != nil {
			return writes, err
		}
	}
	for _, s := range u.Skills {
		if m.skillIDs[s.ID] && !hasKey(want.skills, s.ID) {
			writes++
			if err := c.RemoveUserSkill(ctx, u.ID, s.ID); err != nil && !genesys.IsNotFound(err) {
				return writes, err
			}
		}
	}

	var langsSet []genesys.Proficiency
	haveLang := map[string]float64{}
	for _, l := range u.Languages {
		haveLang[l.ID] = l.Proficiency
	}
	for id, p := range want.languages {
		if cur, ok := haveLang[id]; !ok || !sameLanguageProficiency(cur, p) {
			langsSet = append(langsSet, genesys.Proficiency{ID: id, Proficiency: p})
		}
	}
	if len(langsSet) > 0 {
		writes++
		if err := c.AddUserLanguages(ctx, u.ID, sortedProficiencies(langsSet)); err != nil {
			return writes, err
		}
	}
	for _, l := range u.Languages {
		if m.languageIDs[l.ID] && !hasKey(want.languages, l.ID) {
			writes++
			if err := c.RemoveUserLanguage(ctx, u.ID, l.ID); err != nil && !genesys.IsNotFound(err) {
				return writes, err
			}
		}
	}
	return writes, nil
}

// sameLanguageProficiency compares language proficiencies as Genesys keeps
// them: it rounds a language's proficiency to a whole number (the Terraform
// provider's user resource notes it), so 2.5 asked and 3 held are the same
// and reconciling again writes nothing.
func sameLanguageProficiency(held, want float64) bool {
	return held == want || math.Round(held) == math.Round(want)
}

// managedRouting is the managed set resolved to Genesys ids.
type managedRouting struct {
	skills, languages map[string]string // name -> id ("" unknown)
	queues            map[string]string // name -> id
	skillIDs          map[string]bool
	languageIDs       map[string]bool
}

// desiredRouting is what a user's group blocks give, by id.
type desiredRouting struct {
	skills, languages map[string]float64
	queues            map[string]bool
}

// desired is the union of blocks: skills and languages at the highest
// proficiency any block gives, every queue. Names Genesys does not know are
// left out (audited by managedRouting).
func (m *managedRouting) desired(blocks []*GroupRouting) desiredRouting {
	d := desiredRouting{skills: map[string]float64{}, languages: map[string]float64{}, queues: map[string]bool{}}
	for _, b := range blocks {
		for _, a := range b.Skills {
			if id := m.skills[a.Name]; id != "" && (!hasKey(d.skills, id) || a.Proficiency > d.skills[id]) {
				d.skills[id] = a.Proficiency
			}
		}
		for _, a := range b.Languages {
			if id := m.languages[a.Name]; id != "" && (!hasKey(d.languages, id) || a.Proficiency > d.languages[id]) {
				d.languages[id] = a.Proficiency
			}
		}
		for _, q := range b.Queues {
			if id := m.queues[q]; id != "" {
				d.queues[id] = true
			}
		}
	}
	return d
}

// managedRouting resolves every name the group blocks use (through the
// name cache). A configured name Genesys does not know is the operator's
// to fix: audited, and left out of every user's routing meanwhile.
func (r *reconciler) managedRouting(ctx context.Context) (*managedRouting, error) {
	m := &managedRouting{skills: map[string]string{}, languages: map[string]string{}, queues: map[string]string{},
		skillIDs: map[string]bool{}, languageIDs: map[string]bool{}}
	var unknown []string
	resolve := func(kind, name string, into map[string]string, ids map[string]bool) error {
		if _, done := into[name]; done {
			return nil
		}
		id, err := r.names.resolve(ctx, kind, name)
		if err != nil {
			return err
		}
		into[name] = id
		if id == "" {
			unknown = append(unknown, fmt.Sprintf("%s %q", kind, name))
		} else if ids != nil {
			ids[id] = true
		}
		return nil
	}
	for _, b := range r.cfg.Groups {
		for _, a := range b.Skills {
			if err := resolve(kindSkill, a.Name, m.skills, m.skillIDs); err != nil {
				return nil, err
			}
		}
		for _, a := range b.Languages {
			if err := resolve(kindLanguage, a.Name, m.languages, m.languageIDs); err != nil {
				return nil, err
			}
		}
		for _, q := range b.Queues {
			if err := resolve(kindQueue, q, m.queues, nil); err != nil {
				return nil, err
			}
		}
	}
	if len(unknown) > 0 {
		r.record(ctx, audit.Event{Name: audit.RoutingError, Outcome: audit.Failed, Operation: reconcileOperation,
			Error: "gateway configuration error: routing " + strings.Join(unknown, ", ") + " not found in Genesys Cloud"})
	}
	return m, nil
}

// groupNames maps the ids of the users' groups to their names from a
// listing of the organisation's groups taken after the entry became due
// (after the write it follows, renames included: a listing from before
// could name a renamed group by its old name), listing them again if a
// group is not known yet.
func (r *reconciler) groupNames(ctx context.Context, users []genesys.User, due time.Time) (map[string]indexedGroup, error) {
	maxAge := time.Duration(0) // unknown due time, or one ahead of this clock: list again
	if !due.IsZero() {
		maxAge = min(max(time.Since(due), 0), groupIndexTTL)
	}
	groups, err := r.shared.groups.fresh(ctx, r.cfg.Client, maxAge)
	if err != nil {
		return nil, err
	}
	for _, u := range users {
		for _, g := range u.Groups {
			if !hasKey(groups, g.ID) {
				return r.shared.groups.fresh(ctx, r.cfg.Client, 0)
			}
		}
	}
	return groups, nil
}

// dueAt is when e became due: its last scheduling, else its creation (zero
// when neither is known).
func dueAt(e outbox.Entry) time.Time {
	if !e.NextAttempt.IsZero() {
		return e.NextAttempt
	}
	return e.Created
}

// reconcileLockWait bounds the wait for another instance's reconciliation.
const reconcileLockWait = 30 * time.Second

// lockReconciliation serialises reconciliations across the instances that
// share storage (certmagic.Storage.Lock; one instance's outbox worker runs
// its entries one at a time anyway). Each reads users and then writes from
// what it read: two running at once could let the one that read first
// write last, and restore routing a membership change has just removed. A
// lock held elsewhere past the wait fails the attempt, retried later.
func (r *reconciler) lockReconciliation(ctx context.Context) (unlock func(), err error) {
	st := r.cfg.Storage
	if st == nil {
		return func() {}, nil
	}
	name := strings.TrimRight(r.cfg.GroupPrefix, "/") + "/reconcile_lock"
	lctx, cancel := context.WithTimeout(ctx, reconcileLockWait)
	defer cancel()
	if err := st.Lock(lctx, name); err != nil {
		return nil, fmt.Errorf("gateway: another instance is reconciling: %w", err)
	}
	return func() { _ = st.Unlock(context.WithoutCancel(ctx), name) }, nil
}

// blocksOf is the group blocks of u's groups.
func (r *reconciler) blocksOf(u *genesys.User, groups map[string]indexedGroup) []*GroupRouting {
	var out []*GroupRouting
	seen := map[*GroupRouting]bool{}
	for _, ref := range u.Groups {
		g, ok := groups[ref.ID]
		if !ok {
			continue
		}
		if b := r.blocks[GroupKey(g.Name)]; b != nil && !seen[b] {
			seen[b] = true
			out = append(out, b)
		}
	}
	return out
}

// queuesOf is the names of the queues the blocks of the named groups give.
func (c *core) queuesOf(groupNames ...string) []string {
	var out []string
	for _, n := range groupNames {
		if b := c.blocks[GroupKey(n)]; b != nil {
			out = append(out, b.Queues...)
		}
	}
	return dedupe(out)
}

// configuredGroup reports whether a group block matches name.
func (c *core) configuredGroup(name string) bool { return c.blocks[GroupKey(name)] != nil }

func hasKey[K comparable, V any](m map[K]V, k K) bool {
	_, ok := m[k]
	return ok
}

// dedupe returns ids without repeats, in first-seen order.
func dedupe(ids []string) []string {
	seen := make(map[string]bool, len(ids))
	out := ids[:0:0]
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// sortedProficiencies orders items by id, so bodies are deterministic.
func sortedProficiencies(items []genesys.Proficiency) []genesys.Proficiency {
	slices.SortFunc(items, func(a, b genesys.Proficiency) int { return strings.Compare(a.ID, b.ID) })
	return items
}
