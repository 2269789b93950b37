package gateway

import (
	"fmt"
	"strings"

	"github.com/caddyscim/caddyscim/internal/genesys"
)

// Step kinds: the writes after a create (external id, manager, routing),
// each one idempotent to replay, which is what lets a failed one wait in the
// outbox.
const (
	stepExternalID = "external_id" // POST .../externalid (set)
	stepManager    = "manager"     // PATCH manager
	stepSkills     = "skills"      // PATCH .../routingskills/bulk (add/update)
	stepLanguages  = "languages"   // PATCH .../routinglanguages/bulk (add/update)
	stepQueue      = "queue"       // POST .../queues/{id}/members (add)
	// stepGroupMember adds the user to a group block's Genesys group
	// (POST /api/v2/groups/{id}/members); routing then follows by
	// reconciliation.
	stepGroupMember = "group_member"
)

// step is one write for a user. It is also the outbox payload, so its JSON
// form is stable. Email is carried only for audit entries.
type step struct {
	Kind      string                `json:"kind"`
	UserID    string                `json:"user_id"`
	Email     string                `json:"email,omitempty"`
	Authority string                `json:"authority,omitempty"`
	Key       string                `json:"key,omitempty"`
	ManagerID string                `json:"manager_id,omitempty"`
	Items     []genesys.Proficiency `json:"items,omitempty"`
	QueueID   string                `json:"queue_id,omitempty"`
	GroupID   string                `json:"group_id,omitempty"`
	// Version is the user's version when known inline (the create's answer),
	// saving a read before the manager PATCH; never persisted (stale later).
	Version genesys.Version `json:"-"`
}

// isRouting reports whether s assigns routing (as opposed to profile data).
func (s step) isRouting() bool {
	return s.Kind == stepSkills || s.Kind == stepLanguages || s.Kind == stepQueue
}

// describe names a step in audit entries and logs (ids only).
func (s step) describe() string {
	switch s.Kind {
	case stepQueue:
		return "queue " + s.QueueID
	case stepGroupMember:
		return "group " + s.GroupID
	case stepSkills, stepLanguages:
		return fmt.Sprintf("%d %s", len(s.Items), s.Kind)
	}
	return strings.ReplaceAll(s.Kind, "_", " ")
}

// stepsOutcome is what stepRunner.runAll did.
type stepsOutcome struct {
	patched *genesys.User   // the manager PATCH's answer, if one ran
	dropped map[string]bool // kinds Genesys refused as invalid (audited, not queued)
}

// retryable reports whether repeating s later can succeed (see retryable).
// An external id another user holds stays held: Genesys answers that with
// general.conflict, which as a status (409) also reads as a version race.
func (s step) retryable(err error) bool {
	if s.Kind == stepExternalID && genesys.IsConflict(err) {
		return false
	}
	return retryable(err)
}
