package genesystest

import (
	"net/http"
	"net/url"
	"slices"
)

// maxExternalIDs is the documented limit of external ids per entity.
const maxExternalIDs = 100

// handleAddExternalID is POST /api/v2/users/{id}/externalid. The same
// authority and key on another user (deleted or not: strict, the deleted
// case is unverified) is a general.conflict; on the same user it is a
// no-op. It answers the one UserExternalIdentifier written, not the list
// the SDKs' post_user_externalid declares: the Terraform provider's
// external_user proxy bypasses that SDK method and decodes the answer as a
// single UserExternalIdentifier (its customapi.Do fails on anything else),
// which only works if the real API answers one object.
func (e *Emulator) handleAddExternalID(c *call) {
	raw, ok := c.bodyOnly()
	if !ok {
		return
	}
	var auth, key *string
	if err := decodeObject(raw, fields{"authorityName": &auth, "externalKey": &key}); err != nil {
		c.badRequest(err.Error())
		return
	}
	if auth == nil || *auth == "" || key == nil || *key == "" {
		c.badRequest("authorityName and externalKey are required")
		return
	}
	x := ExternalID{Authority: *auth, Key: *key}
	e.mu.Lock()
	defer e.mu.Unlock()
	s := &e.store
	u := s.live(c.p[0])
	if u == nil {
		c.notFound("user")
		return
	}
	switch holder := s.extIDs[x]; {
	case holder == u:
	case holder != nil:
		c.conflict(http.StatusBadRequest, "The external id is already assigned to another user")
		return
	case len(u.extIDs) >= maxExternalIDs:
		c.badRequest("a user can hold at most 100 external ids")
		return
	default:
		u.extIDs = append(u.extIDs, x)
		s.extIDs[x] = u
	}
	c.buf = appendExternalID(c.buf, u.cur.id, x)
	c.writeJSON(http.StatusOK, c.buf)
}

// appendExternalID appends x, an external id of the user with userID, as a
// UserExternalIdentifier.
func appendExternalID(b []byte, userID string, x ExternalID) []byte {
	b = append(b, `{"authorityName":`...)
	b = appendString(b, x.Authority)
	b = append(b, `,"externalKey":`...)
	b = appendString(b, x.Key)
	b = append(b, `,"selfUri":`...)
	b = appendString(b, "/api/v2/users/"+userID+"/externalid/"+url.PathEscape(x.Authority)+"/"+url.PathEscape(x.Key))
	return append(b, '}')
}

// handleGetByExternalID is GET /api/v2/users/externalid/{auth}/{key}: the
// holder, unless there is none or it is deleted (404).
func (e *Emulator) handleGetByExternalID(c *call) {
	q, ok := c.queryParams([]string{"expand", "integrationPresenceSource"}, []string{"expand"})
	if !ok {
		return
	}
	x, ok := c.parseExpand(listValues(q["expand"]))
	if !ok {
		return
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	u := e.store.extIDs[ExternalID{Authority: c.p[0], Key: c.p[1]}]
	if u == nil || u.cur.state == stateDeleted {
		c.notFound("user")
		return
	}
	c.buf = e.appendUser(c.buf, u, u.cur, x)
	c.writeJSON(http.StatusOK, c.buf)
}

// handleListExternalIDs is GET /api/v2/users/{id}/externalid: a JSON array
// of the user's UserExternalIdentifiers under every authority, in the order
// they were added ([] when none), as the SDKs' get_user_externalid declares.
func (e *Emulator) handleListExternalIDs(c *call) {
	if _, ok := c.queryParams(nil, nil); !ok {
		return
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	u := e.store.live(c.p[0])
	if u == nil {
		c.notFound("user")
		return
	}
	b := append(c.buf, '[')
	for i, x := range u.extIDs {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendExternalID(b, u.cur.id, x)
	}
	b = append(b, ']')
	c.buf = b
	c.writeJSON(http.StatusOK, b)
}

// handleGetExternalID is GET /api/v2/users/{id}/externalid/{auth}: one
// UserExternalIdentifier object (every SDK's get_user_externalid_authority_name
// returns one), the first the user holds under that authority (case-
// sensitive). A user with none answers 404 not.found: the least convenient
// plausible answer, the same as for an unknown user, so a client cannot
// tell "no key" from "no user" by the status.
func (e *Emulator) handleGetExternalID(c *call) {
	if _, ok := c.queryParams(nil, nil); !ok {
		return
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	u := e.store.live(c.p[0])
	if u == nil {
		c.notFound("user")
		return
	}
	i := slices.IndexFunc(u.extIDs, func(x ExternalID) bool { return x.Authority == c.p[1] })
	if i < 0 {
		c.notFound("external id")
		return
	}
	c.buf = appendExternalID(c.buf, u.cur.id, u.extIDs[i])
	c.writeJSON(http.StatusOK, c.buf)
}

// handleDeleteExternalID is DELETE /api/v2/users/{id}/externalid/{auth}/{key}:
// 204, or 404 when the user or the mapping does not exist.
func (e *Emulator) handleDeleteExternalID(c *call) {
	if _, ok := c.queryParams(nil, nil); !ok {
		return
	}
	x := ExternalID{Authority: c.p[1], Key: c.p[2]}
	e.mu.Lock()
	defer e.mu.Unlock()
	s := &e.store
	u := s.live(c.p[0])
	if u == nil || s.extIDs[x] != u {
		c.notFound("external id")
		return
	}
	delete(s.extIDs, x)
	u.extIDs = slices.DeleteFunc(u.extIDs, func(y ExternalID) bool { return y == x })
	c.writeEmpty(http.StatusNoContent)
}
