package genesystest

import (
	"encoding/json"
	"net/http"
	"strings"
)

// unmodeledUpdateFields are UpdateUser fields the real API accepts but the
// emulator does not model. They are refused (and recorded as rejections)
// so that a test can never pass by relying on a field that was silently
// dropped here.
var unmodeledUpdateFields = []string{
	"chat", "primaryContactInfo", "username", "preferredName", "images", "profileSkills",
	"locations", "groups", "acdAutoAnswer", "certifications", "biography", "employerInfo",
}

// patchBody is UpdateUser as far as the emulator models it.
type patchBody struct {
	ID, Name, Email, Title, Department, Manager, State *string
	Version                                            *int
	Addresses                                          json.RawMessage
	unmodeled                                          map[string]*json.RawMessage
}

func (b *patchBody) decode(raw []byte) error {
	fs := fields{
		"id": &b.ID, "version": &b.Version, "name": &b.Name, "email": &b.Email, "title": &b.Title,
		"department": &b.Department, "manager": &b.Manager, "addresses": &b.Addresses, "state": &b.State,
	}
	b.unmodeled = make(map[string]*json.RawMessage)
	for _, k := range unmodeledUpdateFields {
		p := new(json.RawMessage)
		b.unmodeled[k] = p
		fs[k] = p
	}
	return decodeObject(raw, fs)
}

// handlePatchUser is PATCH /api/v2/users/{id}.
func (e *Emulator) handlePatchUser(c *call) {
	raw, ok := c.bodyOnly()
	if !ok {
		return
	}
	var b patchBody
	if err := b.decode(raw); err != nil {
		c.badRequest(err.Error())
		return
	}
	for k, v := range b.unmodeled {
		if *v != nil {
			c.badRequest("field " + k + " is not modeled by the emulator")
			return
		}
	}
	others := b.Name != nil || b.Email != nil || b.Title != nil || b.Department != nil || b.Manager != nil || b.Addresses != nil
	var addrs []Contact
	switch {
	case b.Version == nil:
		c.badRequest("version is required")
		return
	case b.ID != nil && *b.ID != c.p[0]:
		c.badRequest("id does not match the user being updated")
		return
	case b.State != nil && others:
		c.badRequest("state, if specified, is the only modifiable field")
		return
	case b.State != nil && *b.State != stateActive && *b.State != stateInactive:
		// "deleted" is a valid state, but PATCH only restores or switches
		// active/inactive (UpdateUser); deletion is DELETE (strict).
		c.badRequest("state must be active or inactive")
		return
	case b.Name != nil && strings.TrimSpace(*b.Name) == "":
		c.badRequest("name must not be empty")
		return
	case b.Email != nil && !looksLikeEmail(*b.Email):
		c.badRequest("email must be a valid email address")
		return
	case b.Addresses != nil:
		var err error
		if addrs, err = decodeContacts(b.Addresses); err != nil {
			c.badRequest(err.Error())
			return
		}
	}

	e.mu.Lock()
	defer e.mu.Unlock()
	s := &e.store
	id := c.p[0]
	u := s.lookup(id)
	restore := b.State != nil && *b.State == stateActive
	// A deleted user can only be restored (PATCH state active with its
	// version, as Genesys's tutorial and Terraform provider do).
	if u == nil || (u.cur.state == stateDeleted && !restore) {
		c.notFound("user")
		return
	}
	if b.Manager != nil && *b.Manager != "" && (*b.Manager == id || s.live(*b.Manager) == nil) {
		// A manager must be an existing, not deleted, other user (strict on
		// the self-reference: unverified).
		c.badRequest("manager does not name an existing user")
		return
	}
	if e.takeBump(id) {
		// Another writer updated the user just before this PATCH.
		e.bumpVersion(u)
	}
	if status, ok := e.takeConflict(id); ok {
		e.bumpVersion(u)
		c.versionConflict(status, "user")
		return
	}
	if *b.Version != u.cur.version {
		c.versionConflict(http.StatusConflict, "user")
		return
	}
	if b.Email != nil && !strings.EqualFold(*b.Email, u.cur.email) && s.byEmail[strings.ToLower(*b.Email)] != nil {
		// 409 with the version conflict's code: an update's duplicate and
		// its stale version are indistinguishable by status and code (the
		// least convenient plausible answer; a create's duplicate is 400).
		c.conflict(http.StatusConflict, "A user with this email address already exists (conflicting users)")
		return
	}

	n := u.clone()
	n.version++
	if b.State != nil {
		if n.state == stateDeleted {
			n.divisionID = s.homeID // a restore puts the user in the home division (Genesys Cloud Resource Center, restoring deleted users)
		}
		n.state = *b.State
	}
	if b.Name != nil {
		n.name = *b.Name
	}
	if b.Email != nil {
		delete(s.byEmail, u.cur.lemail)
		n.email = *b.Email
	}
	if b.Title != nil {
		n.title = *b.Title
	}
	if b.Department != nil {
		n.department = *b.Department
	}
	if b.Manager != nil {
		n.manager = *b.Manager
	}
	if b.Addresses != nil {
		n.addresses = addrs
	}
	e.commit(u, n)
	s.byEmail[n.lemail] = u
	c.writeJSON(http.StatusOK, u.cur.json)
}

// bumpVersion makes a new version of u that changes nothing but the
// version, as a concurrent writer's change the test cannot see would. The
// caller holds the write lock.
func (e *Emulator) bumpVersion(u *user) {
	n := u.clone()
	n.version++
	e.commit(u, n)
}

// handleDeleteUser is DELETE /api/v2/users/{id}: a soft delete (state
// deleted; the email stays reserved). It answers 200 with an empty body
// (the SDKs model the answer as Empty); a deleted or unknown user is 404.
func (e *Emulator) handleDeleteUser(c *call) {
	if _, ok := c.queryParams(nil, nil); !ok {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	u := e.store.live(c.p[0])
	if u == nil {
		c.notFound("user")
		return
	}
	n := u.clone()
	n.version++
	n.state = stateDeleted
	e.commit(u, n)
	c.writeEmpty(http.StatusOK)
}
