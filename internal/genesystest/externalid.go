package genesystest

import (
	"net/http"
	"slices"
)

// maxExternalIDs is the documented limit of external ids per entity.
const maxExternalIDs = 100

// handleAddExternalID is POST /api/v2/users/{id}/externalid. The same
// authority and key on another user (deleted or not: strict, the deleted
// case is unverified) is a general.conflict; on the same user it is a
// no-op. It answers the user's external ids, as the SDK models it.
func (e *Emulator) handleAddExternalID(c *call) {
	if _, ok := c.queryParams(nil, nil); !ok {
		return
	}
	raw, ok := c.readBody()
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
	c.writeExternalIDs(u, "")
}

// writeExternalIDs answers u's external ids (under authority, or all when
// it is "") as a JSON array.
func (c *call) writeExternalIDs(u *user, authority string) {
	b := append(c.buf, '[')
	first := true
	for _, x := range u.extIDs {
		if authority != "" && x.Authority != authority {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(b, `{"authorityName":`...)
		b = appendString(b, x.Authority)
		b = append(b, `,"externalKey":`...)
		b = appendString(b, x.Key)
		b = append(b, '}')
	}
	b = append(b, ']')
	c.buf = b
	c.writeJSON(http.StatusOK, b)
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

// handleListExternalIDs is GET /api/v2/users/{id}/externalid/{auth}.
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
	c.writeExternalIDs(u, c.p[1])
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
