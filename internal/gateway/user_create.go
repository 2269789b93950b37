package gateway

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/caddyscim/caddyscim/internal/audit"
	"github.com/caddyscim/caddyscim/internal/genesys"
	"github.com/caddyscim/caddyscim/internal/scim"
)

// CreateUser implements POST /Users (RFC 7644 section 3.3).
func (g *userOps) CreateUser(ctx context.Context, u *scim.User) (*scim.User, bool, error) {
	p, err := profileFromSCIM(u)
	if err != nil {
		g.record(ctx, audit.Event{Name: audit.UserCreateRequest})
		return nil, false, g.createFailed(ctx, "", "", err)
	}
	g.record(ctx, audit.Event{Name: audit.UserCreateRequest, Email: p.Email})

	res, err := g.create(ctx, p)
	if res != nil {
		// A decision about a user: created, restored, or existing (200, or
		// 409 under on_duplicate conflict, which err then carries).
		ev := audit.Event{Name: res.event, Outcome: audit.Success, Status: res.status, GenesysID: res.user.ID, Email: p.Email}
		if err != nil {
			ev.Outcome, ev.Error = audit.Denied, auditText(err)
		}
		g.record(ctx, ev)
		if err != nil {
			return nil, false, err
		}
		out := userToSCIM(res.user, res.extID)
		out.Groups = g.userGroups(ctx, res.user)
		return out, res.status == http.StatusCreated, nil
	}
	return nil, false, g.createFailed(ctx, createdID(err), p.Email, err)
}

// create runs the create under the per-email lock and, when the request
// carries an externalId, the lock of that externalId: the check that nobody
// else holds it and the step that claims it must not interleave with another
// create claiming it for someone else (both would be created, and only one
// would get the externalId). Email locks are always taken first, so the two
// cannot deadlock.
func (g *userOps) create(ctx context.Context, p *profile) (*createResult, error) {
	unlock, err := g.shared.createLocks.Lock(ctx, p.Email)
	if err != nil {
		return nil, unavailable("the request ended while a create of the same user was running", err)
	}
	defer unlock()
	if p.ExternalID != "" {
		unlockExt, err := g.shared.createLocks.Lock(ctx, externalIDLockKey(p.ExternalID))
		if err != nil {
			return nil, unavailable("the request ended while a create with the same externalId was running", err)
		}
		defer unlockExt()
	}

	in, err := g.resolveIntent(ctx, p)
	if err != nil {
		// SCIM_ROUTING_ERROR is for routing that cannot be done (an unknown
		// name); a lookup Genesys failed to answer is only a failed create.
		if isConfigError(err) {
			g.record(ctx, audit.Event{Name: audit.RoutingError, Outcome: audit.Failed, Email: p.Email, Error: auditText(err)})
		}
		return nil, err
	}

	if err := g.checkManager(ctx, p.ManagerID); err != nil {
		return nil, err
	}
	if err := g.externalIDFreeFor(ctx, p); err != nil {
		return nil, err
	}
	if err := g.joinGroups(ctx, in, p); err != nil {
		return nil, err
	}

	if u, rc, err := g.recentUser(ctx, p.Email); err != nil {
		return nil, upstreamError(err)
	} else if u != nil {
		if !rc.complete.Load() {
			// Our own create or restore that answered 503: finish it.
			if rc.restoring.Load() {
				return g.finishRestore(ctx, p, in, u, rc)
			}
			return g.finishCreate(ctx, p, in, u, rc, audit.UserCreated)
		}
		return g.existingUser(ctx, p, in, u)
	}

	created, err := g.cfg.Client.CreateUser(ctx, genesys.CreateUser{
		Name:       p.Name,
		Email:      p.Email,
		DivisionID: firstNonEmpty(p.DivisionID, g.cfg.DivisionID),
		Department: p.Department,
		Title:      p.Title,
		Addresses:  p.addresses(),
		Password:   p.Password,
		State:      desiredState(p),
	})
	switch {
	case err == nil:
	case genesys.IsConflict(err):
		return g.resolveConflict(ctx, p, in)
	case errors.Is(err, genesys.ErrOutcomeUnknown):
		created, err = g.findAfterUnknownOutcome(ctx, p.Email)
		if err != nil {
			return nil, err
		}
	default:
		return nil, upstreamError(err)
	}
	return g.finishCreate(ctx, p, in, created, g.remember(p.Email, created.ID), audit.UserCreated)
}

// createResult is a create's decision: the audit event and status it ends
// with, and the Genesys user it answers with.
type createResult struct {
	event  string
	status int
	user   *genesys.User
	extID  string
}

// checkManager refuses a manager id that names no Genesys user with 400
// invalidValue, before anything is written (Genesys would refuse the PATCH
// after the create). Users known to exist are remembered in Shared, so a bulk
// load asks once per manager.
func (g *userOps) checkManager(ctx context.Context, id string) error {
	if id == "" {
		return nil
	}
	if !isGenesysID(id) {
		return scim.BadValue("manager.value %q does not name a Genesys Cloud user", id)
	}
	if _, ok := g.shared.knownUsers.Get(id); ok {
		return nil
	}
	u, err := g.cfg.Client.GetUser(ctx, id, "")
	switch {
	case genesys.IsNotFound(err):
		return scim.BadValue("manager.value %q does not name a Genesys Cloud user", id)
	case err != nil:
		return upstreamError(err)
	case u.State == genesys.StateDeleted:
		return scim.BadValue("manager.value %q names a deleted Genesys Cloud user", id)
	}
	g.shared.knownUsers.SetDefault(id, struct{}{})
	return nil
}

// recentUser returns the user this process created under email moments ago,
// if Genesys confirms it still exists (not deleted since).
func (g *userOps) recentUser(ctx context.Context, email string) (*genesys.User, *recentCreate, error) {
	v, ok := g.shared.recent.Get(email)
	if !ok {
		return nil, nil, nil
	}
	rc := v.(*recentCreate)
	u, err := g.cfg.Client.GetUser(ctx, rc.ID, "", expandGroups)
	switch {
	case genesys.IsNotFound(err):
		g.shared.recent.Delete(email)
		return nil, nil, nil
	case err != nil:
		return nil, nil, err
	case u.State == genesys.StateDeleted || !sameAddress(u.Email, email):
		g.shared.recent.Delete(email)
		return nil, nil, nil
	}
	return u, rc, nil
}

// recentCreate is what Shared remembers about a user this process created
// or restored moments ago, by normalised email: the search index may not
// show it yet (the user search is eventually consistent). complete is set once every post-create step was
// done or stored in the outbox; until then a retry of the same POST finishes
// the create instead of treating the user as a duplicate.
type recentCreate struct {
	ID       string
	complete atomic.Bool
	// restoring marks a restore whose update (fields, state) has not been
	// applied yet: the identical retry must finish the restore, not only
	// the post-create steps.
	restoring atomic.Bool
	// reconcileQueued marks a restore whose reconciliation was stored
	// before it activated the user (restore): its first finishCreate need
	// not store another; a retry's does.
	reconcileQueued atomic.Bool
}

// remember records a user created or restored just now under its email.
func (g *userOps) remember(email, userID string) *recentCreate {
	rc := &recentCreate{ID: strings.Clone(userID)} // see Shared: never pin a response body
	g.shared.recent.SetDefault(strings.Clone(email), rc)
	return rc
}

// Bounded search after a create whose outcome is unknown: the index lags,
// so look a few times before concluding nothing was created.
var unknownOutcomeWaits = []time.Duration{0, 250 * time.Millisecond, 500 * time.Millisecond, time.Second}

// findAfterUnknownOutcome settles a create whose outcome is unknown (a
// timeout, a reset connection, a 5xx) by searching for the email a few times
// with short waits: found means it was created; not found is a 503, because
// posting again blindly could make two users.
func (g *userOps) findAfterUnknownOutcome(ctx context.Context, email string) (*genesys.User, error) {
	var lastErr error
	for _, wait := range unknownOutcomeWaits {
		if wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return nil, unavailable("the create's outcome is unknown; retry", ctx.Err())
			case <-t.C:
			}
		}
		u, _, err := g.searchByEmail(ctx, email, genesys.StateActive, genesys.StateInactive)
		if err == nil && u != nil {
			return u, nil
		}
		lastErr = err
	}
	return nil, unavailable("Genesys Cloud did not confirm the create; retry", errors.Join(genesys.ErrOutcomeUnknown, lastErr))
}

// searchByEmail finds the user holding email in one of states, by an EXACT
// email criterion and an explicit state criterion, as the Genesys Terraform
// provider searches (POST /api/v2/users/search); nil when none is visible.
// twin reports a hit whose email is not email under the userName rule (the
// index may fold Unicode case: the Kelvin sign finds "k"): Genesys sees one
// address where the identity provider has two.
func (g *userOps) searchByEmail(ctx context.Context, email string, states ...string) (u *genesys.User, twin bool, err error) {
	res, err := g.cfg.Client.SearchUsers(ctx, genesys.SearchRequest{
		PageSize:   25,
		PageNumber: 1,
		Query: []genesys.SearchCriteria{
			{Type: genesys.SearchExact, Fields: []string{fieldEmail}, Value: email},
			{Type: genesys.SearchExact, Fields: []string{fieldState}, Values: states},
		},
		Expand: []string{expandGroups},
	})
	if err != nil {
		return nil, false, err
	}
	for i := range res.Results {
		if sameAddress(res.Results[i].Email, email) {
			return &res.Results[i], false, nil
		}
	}
	return nil, len(res.Results) > 0, nil
}

// resolveConflict handles general.conflict on create: an active or inactive
// holder is an existing user (the duplicate policy decides); a soft-deleted
// one is restored; none visible yet (index lag) is a 503, never a 409. A
// holder whose email differs from this one but that Genesys treats as the
// same (Unicode case folding) is another person: 409, never a merge.
func (g *userOps) resolveConflict(ctx context.Context, p *profile, in *routingIntent) (*createResult, error) {
	u, twin, err := g.searchByEmail(ctx, p.Email, genesys.StateActive, genesys.StateInactive)
	if err != nil {
		return nil, upstreamError(err)
	}
	if u != nil {
		return g.existingUser(ctx, p, in, u)
	}
	del, delTwin, err := g.searchByEmail(ctx, p.Email, genesys.StateDeleted)
	if err != nil {
		return nil, upstreamError(err)
	}
	if del != nil {
		return g.restore(ctx, p, in, del)
	}
	if twin || delTwin {
		return nil, &scim.Error{Status: http.StatusConflict, ScimType: scim.Uniqueness,
			Detail: "Genesys Cloud holds a user whose email differs from userName " + p.Email +
				" only by Unicode case folding; it is another identity and is not merged"}
	}
	return nil, unavailable("a Genesys Cloud user holds this email but is not visible yet; retry", nil)
}

// existingUser applies the duplicate policy to a user that already holds the
// email: conflict answers 409; return_existing applies the request's
// routing (idempotently: the purecloud extension's directly, its groups as
// memberships whose routing follows by reconciliation) and answers 200 with
// the user as it is.
func (g *userOps) existingUser(ctx context.Context, p *profile, in *routingIntent, u *genesys.User) (*createResult, error) {
	res := &createResult{event: audit.UserExists, user: u}
	if g.cfg.OnDuplicate == Conflict {
		res.status = http.StatusConflict
		return res, &scim.Error{Status: http.StatusConflict, ScimType: scim.Uniqueness,
			Detail: "a user with userName " + p.Email + " already exists"}
	}
	res.status = http.StatusOK
	joins := in.memberSteps(u, p.Email)
	if _, err := g.runRouting(ctx, u.ID, p.Email, append(in.ext.steps(u.ID, p.Email), joins...), len(joins) > 0); err != nil {
		return nil, incomplete(u.ID, err)
	}
	u.Groups = in.withGroups(u.Groups)
	ext, err := g.externalIDFor(ctx, u.ID)
	if err != nil {
		return nil, incomplete(u.ID, err)
	}
	res.extID = ext
	return res, nil
}

// runRouting runs steps for one user; with reconcile set, the user's
// routing is reconciled once they are done (stored ahead, so it runs even
// if the process stops meanwhile): its group memberships changed.
func (g *userOps) runRouting(ctx context.Context, userID, email string, steps []step, reconcile bool) (stepsOutcome, error) {
	if reconcile {
		pending, err := g.reconcile.schedule(ctx, []string{userID}, nil, true)
		if err != nil {
			return stepsOutcome{}, err
		}
		defer pending.release(ctx)
	}
	return g.steps.runAll(ctx, userID, email, steps)
}

// finishCreate runs the steps after the commit point (external id, manager,
// group memberships, skills, languages, queues); failures go to the outbox.
// A user created now belongs to no other group: its groups' routing is
// applied directly. A restored one may: its routing is reconciled. It
// answers 201 with the user as Genesys now holds it.
func (g *userOps) finishCreate(ctx context.Context, p *profile, in *routingIntent, u *genesys.User, rc *recentCreate, event string) (*createResult, error) {
	plan, reconcile := in.all, false
	if event != audit.UserCreated {
		plan, reconcile = in.ext, len(g.blocks) > 0 && !rc.reconcileQueued.Swap(false)
	}
	steps := append(g.createSteps(p, plan, u), in.memberSteps(u, p.Email)...)
	joined := u.Groups
	out, err := g.runRouting(ctx, u.ID, p.Email, steps, reconcile)
	if out.patched != nil {
		u = out.patched
	}
	u.Groups = in.withGroups(joined)
	if err != nil {
		return nil, incomplete(u.ID, err)
	}
	rc.complete.Store(true)
	res := &createResult{event: event, status: http.StatusCreated, user: u}
	switch k, ok := g.knownExternalID(u.ID); {
	case ok:
		res.extID = k
	case !out.dropped[stepExternalID]:
		res.extID = p.ExternalID // queued in the outbox
	}
	return res, nil
}

// createSteps are the writes after a create: external id, manager, then routing.
func (g *userOps) createSteps(p *profile, plan *routingPlan, u *genesys.User) []step {
	var steps []step
	if p.ExternalID != "" {
		steps = append(steps, step{Kind: stepExternalID, UserID: u.ID, Email: p.Email,
			Authority: g.cfg.ExternalIDAuthority, Key: p.ExternalID})
	} else {
		g.rememberExternalID(u.ID, "") // a new user has none
	}
	if p.ManagerID != "" && (u.Manager == nil || u.Manager.ID != p.ManagerID) {
		steps = append(steps, step{Kind: stepManager, UserID: u.ID, Email: p.Email, ManagerID: p.ManagerID, Version: u.Version})
	}
	return append(steps, plan.steps(u.ID, p.Email)...)
}

// externalIDFreeFor refuses, before anything is created, an externalId that
// a user other than the one holding p's email already holds: 409
// uniqueness, as PUT and PATCH answer it. The holder of the same email is
// this person (an identity provider retrying its create), not another user.
func (g *userOps) externalIDFreeFor(ctx context.Context, p *profile) error {
	if p.ExternalID == "" {
		return nil
	}
	holder, err := g.externalIDHolder(ctx, p.ExternalID)
	switch {
	case err != nil:
		return upstreamError(err)
	case holder != nil && !sameAddress(holder.Email, p.Email):
		return externalIDTaken()
	}
	return nil
}

// externalIDLockKey is the createLocks key of an externalId: the NUL it
// starts with keeps it apart from every normalised email.
func externalIDLockKey(key string) string { return "\x00externalId\x00" + key }

// desiredState is the Genesys state a SCIM active flag asks for (active
// unless it says false).
func desiredState(p *profile) string {
	if p.Active != nil && !*p.Active {
		return genesys.StateInactive
	}
	return genesys.StateActive
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// createFailed audits SCIM_USER_CREATE_ERROR and returns err as a
// *scim.Error.
func (g *userOps) createFailed(ctx context.Context, userID, email string, err error) error {
	err = upstreamError(err)
	status := http.StatusInternalServerError
	var se *scim.Error
	if errors.As(err, &se) {
		status = se.Status
	}
	g.record(ctx, audit.Event{Name: audit.UserCreateError, Outcome: audit.Failed, Status: status,
		GenesysID: userID, Email: email, Error: auditText(err)})
	return err
}

// createdID returns the id of the user a failed create left behind, which
// incompleteCreate records in the error's cause, for the audit entry.
func createdID(err error) string {
	var ic *incompleteCreate
	if errors.As(err, &ic) {
		return ic.userID
	}
	return ""
}

// incompleteCreate marks a create that committed (the user exists) but whose
// remaining steps could be neither done nor queued.
type incompleteCreate struct {
	userID string
	err    error
}

func (e *incompleteCreate) Error() string { return e.err.Error() }
func (e *incompleteCreate) Unwrap() error { return e.err }

// incomplete is the error of a create that reached a user (created, restored
// or existing) but could not finish: a 503 (the identical retry finds the
// user and finishes it), carrying the user id for the audit entry.
func incomplete(userID string, err error) error {
	se, ok := upstreamError(err).(*scim.Error)
	if !ok || se.Status != http.StatusServiceUnavailable {
		se = unavailable("the user was created but not completed; retry the same request", err)
	}
	cp := *se
	cp.Cause = &incompleteCreate{userID: userID, err: err}
	return &cp
}
