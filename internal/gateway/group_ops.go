package gateway

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/caddyscim/caddyscim/internal/audit"
	"github.com/caddyscim/caddyscim/internal/genesys"
	"github.com/caddyscim/caddyscim/internal/scim"
)

// groupOps are the operations on /Groups (RFC 7643 section 4.2). A SCIM
// Group is the Genesys group of the same name; its members are the Genesys
// group's members, its id the Genesys group id. Genesys stays the system of
// record: nothing about membership is kept here, so any instance answers.
// Names are unique case-insensitively (Genesys does not enforce it; the
// gateway does, through the group index and a lock per name). Groups are
// created official and public: group search cannot see members-only ones.
type groupOps struct{ *core }

// readGroup reads an existing group (GET /api/v2/groups/{groupId}). An id
// that cannot be a Genesys id (no call is made), an unknown group and a
// deleted one (Genesys may answer 404, or the group with state deleted) are
// a SCIM 404.
func (g *groupOps) readGroup(ctx context.Context, id string) (*genesys.Group, error) {
	if !isGenesysID(id) {
		return nil, scim.GroupNotFound(id)
	}
	gr, err := g.cfg.Client.GetGroup(ctx, id)
	switch {
	case isAbsent(err):
		return nil, scim.GroupNotFound(id)
	case err != nil:
		return nil, upstreamError(err)
	case gr.State == genesys.StateDeleted:
		return nil, scim.GroupNotFound(id)
	}
	return gr, nil
}

// groupToSCIM renders a Genesys group. members nil means not read (no
// members attribute); each member's display is the user's name.
func groupToSCIM(id, name string, version genesys.Version, externalID string, members []genesys.User) *scim.Group {
	out := &scim.Group{ID: id, ExternalID: externalID, DisplayName: name, Meta: scim.Meta{Version: versionString(version)}}
	if members != nil {
		out.Members = make([]scim.Member, 0, len(members))
		for _, u := range members {
			out.Members = append(out.Members, scim.Member{Value: u.ID, Display: u.Name})
		}
	}
	return out
}

// groupFailed audits a failed group operation (SCIM_GROUP_ERROR) and
// returns err mapped for the caller.
func (g *groupOps) groupFailed(ctx context.Context, groupID, groupName string, err error) error {
	err = upstreamError(err)
	ev := groupEvent(audit.GroupError, audit.Failed, statusOf(err), groupID, groupName)
	ev.Error = auditText(err)
	g.record(ctx, ev)
	return err
}

// lockGroupName serialises creates and renames to one name (GroupKey): in
// this process, and, through the storage's lock, across the instances that
// share it (certmagic.Storage.Lock), so two of them cannot both find a name
// free and create it twice.
func (g *core) lockGroupName(ctx context.Context, name string) (unlock func(), err error) {
	key := GroupKey(name)
	unlockLocal, err := g.shared.groupLocks.Lock(ctx, key)
	if err != nil {
		return nil, unavailable("the request ended while another change of this group name was running", err)
	}
	st := g.cfg.Storage
	if st == nil {
		return unlockLocal, nil
	}
	sum := sha256.Sum256([]byte(key))
	lockName := strings.TrimRight(g.cfg.GroupPrefix, "/") + "/name_locks/" + hex.EncodeToString(sum[:16])
	lctx, cancel := context.WithTimeout(ctx, groupLockWait)
	defer cancel()
	if err := st.Lock(lctx, lockName); err != nil {
		unlockLocal()
		return nil, unavailable("another instance is changing this group name; retry", err)
	}
	return func() {
		_ = st.Unlock(context.WithoutCancel(ctx), lockName)
		unlockLocal()
	}, nil
}

// groupLockWait bounds the wait for another instance's lock on a name.
const groupLockWait = 10 * time.Second

// nameTaken reports, from a fresh listing, whether a group other than
// except holds name (GroupKey), and returns it.
func (g *core) nameTaken(ctx context.Context, name, except string) (*indexedGroup, error) {
	groups, err := g.shared.groups.fresh(ctx, g.cfg.Client, 0)
	if err != nil {
		return nil, err
	}
	for _, other := range named(groups, name) {
		if other.ID != except {
			return &other, nil
		}
	}
	return nil, nil
}

// groupNameTaken is the 409 for a displayName another group holds.
func groupNameTaken(name string) *scim.Error {
	return scim.Errorf(http.StatusConflict, scim.Uniqueness, "a group named %q already exists", name)
}

// recentGroup is what Shared remembers of a group this process created
// moments ago, by GroupKey: a create that failed after the Genesys group
// existed (members or externalId not written) is finished by the identical
// retry instead of being refused as a duplicate.
type recentGroup struct {
	ID       string
	complete atomic.Bool
}

// checkMembers reads the users ids name and refuses, before anything is
// written, ids that are not active or inactive Genesys users: 400
// invalidValue naming them (the first ten).
func (g *groupOps) checkMembers(ctx context.Context, ids []string) (map[string]*genesys.User, error) {
	if len(ids) > maxMemberChange {
		return nil, scim.Errorf(http.StatusBadRequest, scim.TooMany, "at most %d members may change in one request", maxMemberChange)
	}
	users, err := g.usersByID(ctx, ids)
	if err != nil {
		return nil, upstreamError(err)
	}
	var bad []string
	for _, id := range ids {
		if users[id] == nil {
			bad = append(bad, id)
		}
	}
	if len(bad) > 0 {
		shown := bad[:min(len(bad), 10)]
		more := ""
		if len(bad) > len(shown) {
			more = " and others"
		}
		return nil, scim.BadValue("members %s%s are not Genesys Cloud users", quoteAll(shown), more)
	}
	return users, nil
}

// quoteAll renders ids for a message: "a", "b".
func quoteAll(ids []string) string {
	q := make([]string, len(ids))
	for i, id := range ids {
		q[i] = `"` + id + `"`
	}
	return strings.Join(q, ", ")
}

// memberValues is the user ids of SCIM members.
func memberValues(ms []scim.Member) []string {
	out := make([]string, 0, len(ms))
	for _, m := range ms {
		out = append(out, m.Value)
	}
	return dedupe(out)
}

// groupIncomplete is the error of a group write that stopped halfway: what
// Genesys refused (a 4xx) as it is, anything else a 503 whose detail says
// the identical retry completes it.
func groupIncomplete(detail string, err error) error {
	se, ok := upstreamError(err).(*scim.Error)
	if ok && se.Status < 500 {
		return se
	}
	return unavailable(detail, err)
}
