package genesystest

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// kind tells skills from languages, which behave alike.
type kind int

const (
	skillKind kind = iota
	languageKind
)

// names are the path and JSON names of a kind.
func (k kind) names() (plural, uriField, userSeg string) {
	if k == skillKind {
		return "skills", "skillUri", "routingskills"
	}
	return "languages", "languageUri", "routinglanguages"
}

func (s *store) catalogOf(k kind) *catalog {
	if k == skillKind {
		return &s.skills
	}
	return &s.languages
}

func (u *user) assignments(k kind) *[]assignment {
	if k == skillKind {
		return &u.skills
	}
	return &u.languages
}

// maxBulkRouting is the documented limit of one bulk skills or languages call.
const maxBulkRouting = 50

func (e *Emulator) handleBulkSkills(c *call)    { e.bulkRouting(c, skillKind) }
func (e *Emulator) handleBulkLanguages(c *call) { e.bulkRouting(c, languageKind) }

// bulkRouting is PATCH /api/v2/users/{id}/routingskills/bulk (and
// routinglanguages): add or update 1..50 {id, proficiency 0..5}. Language
// proficiency is rounded to an integer, as the backend does (the Terraform
// provider's user schema: "the backend rounds to the nearest int").
func (e *Emulator) bulkRouting(c *call, k kind) {
	if _, ok := c.queryParams(nil, nil); !ok {
		return
	}
	items, ok := c.readArray(maxBulkRouting)
	if !ok {
		return
	}
	adds := make([]assignment, 0, len(items))
	for i, it := range items {
		var id *string
		var prof *float64
		if err := decodeObject(it, fields{"id": &id, "proficiency": &prof}); err != nil {
			c.badRequest(fmt.Sprintf("[%d]: %v", i, err))
			return
		}
		if id == nil || *id == "" || prof == nil {
			c.badRequest(fmt.Sprintf("[%d]: id and proficiency are required", i))
			return
		}
		if *prof < 0 || *prof > 5 || math.IsNaN(*prof) {
			c.badRequest(fmt.Sprintf("[%d]: proficiency must be from 0 to 5", i))
			return
		}
		p := *prof
		if k == languageKind {
			p = math.Round(p)
		}
		adds = append(adds, assignment{id: *id, prof: p})
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	s := &e.store
	cat := s.catalogOf(k)
	plural, _, _ := k.names()
	for _, a := range adds {
		if _, ok := cat.nameOf(a.id); !ok {
			c.badRequest("unknown " + strings.TrimSuffix(plural, "s") + " id " + strconv.Quote(a.id))
			return
		}
	}
	u := s.live(c.p[0])
	if u == nil {
		c.notFound("user")
		return
	}
	list := u.assignments(k)
	for _, a := range adds {
		if i := slices.IndexFunc(*list, func(b assignment) bool { return b.id == a.id }); i >= 0 {
			(*list)[i].prof = a.prof
		} else {
			*list = append(*list, a)
		}
	}
	e.writeAssignments(c, u, k, len(*list), 1)
}

func (e *Emulator) handleRemoveSkill(c *call)    { e.removeRouting(c, skillKind) }
func (e *Emulator) handleRemoveLanguage(c *call) { e.removeRouting(c, languageKind) }

// removeRouting is DELETE /api/v2/users/{id}/routingskills/{skillId} (and
// routinglanguages/{languageId}): 204 with no body (the SDKs'
// delete_user_routingskill and delete_user_routinglanguage return nothing).
// A user that lacks the skill, or an unknown or deleted user, is 404
// not.found (strict: removing what is not there is not a no-op here).
func (e *Emulator) removeRouting(c *call, k kind) {
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
	list := u.assignments(k)
	i := slices.IndexFunc(*list, func(a assignment) bool { return a.id == c.p[1] })
	if i < 0 {
		plural, _, _ := k.names()
		c.notFound(strings.TrimSuffix(plural, "s"))
		return
	}
	*list = slices.Delete(*list, i, i+1)
	c.writeEmpty(http.StatusNoContent)
}

func (e *Emulator) handleUserSkills(c *call)    { e.userRouting(c, skillKind) }
func (e *Emulator) handleUserLanguages(c *call) { e.userRouting(c, languageKind) }

// userRouting is GET /api/v2/users/{id}/routingskills (and routinglanguages).
func (e *Emulator) userRouting(c *call, k kind) {
	q, ok := c.queryParams([]string{"pageSize", "pageNumber", "sortOrder"}, nil)
	if !ok {
		return
	}
	size, number, ok := c.paging(q, 100)
	if !ok {
		return
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	u := e.store.live(c.p[0])
	if u == nil {
		c.notFound("user")
		return
	}
	e.writeAssignments(c, u, k, size, number)
}

// writeAssignments answers a page of u's skills or languages as an entity
// listing. The caller holds a lock.
func (e *Emulator) writeAssignments(c *call, u *user, k kind, size, number int) {
	list := *u.assignments(k)
	start, end, pageCount := page(len(list), max(size, 1), number)
	b := append(c.buf, `{"entities":`...)
	b = e.appendAssignmentList(b, u, k, list[start:end])
	_, _, seg := k.names()
	b = appendListing(b, "/api/v2/users/"+u.cur.id+"/"+seg+"?", max(size, 1), number, len(list), pageCount)
	b = append(b, '}')
	c.buf = b
	c.writeJSON(http.StatusOK, b)
}

// appendAssignments appends all of u's skills or languages as a JSON array.
func (e *Emulator) appendAssignments(b []byte, u *user, k kind) []byte {
	return e.appendAssignmentList(b, u, k, *u.assignments(k))
}

func (e *Emulator) appendAssignmentList(b []byte, u *user, k kind, list []assignment) []byte {
	plural, uriField, seg := k.names()
	cat := e.store.catalogOf(k)
	b = append(b, '[')
	for i, a := range list {
		if i > 0 {
			b = append(b, ',')
		}
		name, _ := cat.nameOf(a.id)
		b = append(b, `{"id":"`...)
		b = append(b, a.id...)
		b = append(b, `","name":`...)
		b = appendString(b, name)
		b = append(b, `,"proficiency":`...)
		b = strconv.AppendFloat(b, a.prof, 'f', -1, 64)
		b = append(b, `,"state":"active","`...)
		b = append(b, uriField...)
		b = append(b, `":"/api/v2/routing/`...)
		b = append(b, plural...)
		b = append(b, '/')
		b = append(b, a.id...)
		b = append(b, `","selfUri":"/api/v2/users/`...)
		b = append(b, u.cur.id...)
		b = append(b, '/')
		b = append(b, seg...)
		b = append(b, '/')
		b = append(b, a.id...)
		b = append(b, `"}`...)
	}
	return append(b, ']')
}

func (e *Emulator) handleListSkills(c *call) {
	e.listCatalog(c, "skills", []string{"name", "pageSize", "pageNumber", "id"}, false)
}

func (e *Emulator) handleListLanguages(c *call) {
	e.listCatalog(c, "languages", []string{"name", "pageSize", "pageNumber", "sortOrder", "id"}, false)
}

func (e *Emulator) handleListQueues(c *call) {
	e.listCatalog(c, "queues", []string{"name", "pageSize", "pageNumber", "sortOrder", "id", "divisionId"}, true)
}

// listCatalog is GET /api/v2/routing/{skills,languages,queues}: name is a
// case-insensitive prefix filter (queues also take leading and trailing
// "*": a leading one makes it a substring match), pageSize at most 100.
// The exact-name match is the client's job, as with the real API.
func (e *Emulator) listCatalog(c *call, plural string, allowed []string, wildcards bool) {
	q, ok := c.queryParams(allowed, []string{"id"})
	if !ok {
		return
	}
	size, number, ok := c.paging(q, 100)
	if !ok {
		return
	}
	if so, ok := q["sortOrder"]; ok && !oneOf(strings.ToLower(so[0]), []string{"asc", "desc", "ascending", "descending"}) {
		c.badRequest("sortOrder must be ascending or descending")
		return
	}
	if q.Has("divisionId") {
		c.badRequest("divisionId filtering is not modeled by the emulator")
		return
	}
	name := strings.ToLower(q.Get("name"))
	contains := false
	if wildcards {
		name = strings.TrimSuffix(name, "*")
		if strings.HasPrefix(name, "*") {
			name, contains = name[1:], true
		}
	}
	if strings.Contains(name, "*") {
		c.badRequest("name may only have leading or trailing asterisks")
		return
	}
	ids := listValues(q["id"])

	e.mu.RLock()
	var cat *catalog
	switch plural {
	case "skills":
		cat = &e.store.skills
	case "languages":
		cat = &e.store.languages
	default:
		cat = &e.store.queues
	}
	var matched []entity
	for _, en := range cat.list {
		ln := strings.ToLower(en.name)
		if (contains && !strings.Contains(ln, name)) || (!contains && !strings.HasPrefix(ln, name)) {
			continue
		}
		if ids != nil && !oneOf(en.id, ids) {
			continue
		}
		matched = append(matched, en)
	}
	e.mu.RUnlock()

	start, end, pageCount := page(len(matched), size, number)
	b := append(c.buf, `{"entities":[`...)
	for i, en := range matched[start:end] {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"id":"`...)
		b = append(b, en.id...)
		b = append(b, `","name":`...)
		b = appendString(b, en.name)
		b = append(b, `,"state":"active","selfUri":"/api/v2/routing/`...)
		b = append(b, plural...)
		b = append(b, '/')
		b = append(b, en.id...)
		b = append(b, `"}`...)
	}
	b = append(b, ']')
	base := "/api/v2/routing/" + plural + "?"
	if n := q.Get("name"); n != "" {
		base += "name=" + url.QueryEscape(n) + "&"
	}
	b = appendListing(b, base, size, number, len(matched), pageCount)
	b = append(b, '}')
	c.buf = b
	c.writeJSON(http.StatusOK, b)
}

// maxQueueMembers is the documented limit of one bulk membership call.
const maxQueueMembers = 100

// handleQueueMembersPost is POST /api/v2/routing/queues/{id}/members
// [?delete=true|false] (post_routing_queue_members: "Bulk add or delete up
// to 100 queue members"): the same body, [{"id":...}] with 1..100 entries,
// either way, and 204 with no body either way. Adding a member twice is
// fine. Adding an unknown or deleted user answers 400 (a normal answer,
// not a shape rejection: a user can be deleted between a client's check and
// its write); a removal ignores ids that are not members, whatever they
// are.
func (e *Emulator) handleQueueMembersPost(c *call) {
	q, ok := c.queryParams([]string{"delete"}, nil)
	if !ok {
		return
	}
	del := false
	if d, ok := q["delete"]; ok {
		b, err := strconv.ParseBool(d[0])
		if err != nil || (d[0] != "true" && d[0] != "false") {
			c.badRequest("delete must be true or false")
			return
		}
		del = b
	}
	items, ok := c.readArray(maxQueueMembers)
	if !ok {
		return
	}
	ids := make([]string, 0, len(items))
	for i, it := range items {
		var id *string
		if err := decodeObject(it, fields{"id": &id}); err != nil {
			c.badRequest(fmt.Sprintf("[%d]: %v", i, err))
			return
		}
		if id == nil || *id == "" {
			c.badRequest(fmt.Sprintf("[%d]: id is required", i))
			return
		}
		ids = append(ids, *id)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	s := &e.store
	qid := c.p[0]
	if _, ok := s.queues.nameOf(qid); !ok {
		c.notFound("queue")
		return
	}
	if !del && !e.allLive(c, ids) {
		return
	}
	members := s.members[qid]
	for _, id := range ids {
		i := slices.Index(members, id)
		switch {
		case del && i >= 0:
			members = slices.Delete(members, i, i+1)
		case !del && i < 0:
			members = append(members, id)
		}
	}
	s.members[qid] = members
	c.writeEmpty(http.StatusNoContent)
}

// allLive answers 400 and returns false unless every id names an active or
// inactive user: a member write naming a user that does not exist (or no
// longer does). It is a normal error answer, not a shape rejection: the
// user may have been deleted after the client checked. The caller holds a
// lock.
func (e *Emulator) allLive(c *call, ids []string) bool {
	for _, id := range ids {
		if e.store.live(id) == nil {
			c.fail(http.StatusBadRequest, "bad.request", "unknown user id "+strconv.Quote(id))
			return false
		}
	}
	return true
}

// queueMember is a QueueMember of GET /api/v2/routing/queues/{id}/members.
type queueMember struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	User       ref2   `json:"user"`
	RingNumber int    `json:"ringNumber"`
	Joined     bool   `json:"joined"`
	MemberBy   string `json:"memberBy"`
	SelfURI    string `json:"selfUri"`
}

type ref2 struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	SelfURI string `json:"selfUri"`
}

// handleQueueMembersGet is GET /api/v2/routing/queues/{id}/members (paging
// only; the real filters are not modeled and refused).
func (e *Emulator) handleQueueMembersGet(c *call) {
	q, ok := c.queryParams([]string{"pageSize", "pageNumber", "sortOrder"}, nil)
	if !ok {
		return
	}
	size, number, ok := c.paging(q, 100)
	if !ok {
		return
	}
	e.mu.RLock()
	qid := c.p[0]
	if _, ok := e.store.queues.nameOf(qid); !ok {
		e.mu.RUnlock()
		c.notFound("queue")
		return
	}
	members := e.store.members[qid]
	start, end, pageCount := page(len(members), size, number)
	out := make([]queueMember, 0, end-start)
	for _, id := range members[start:end] {
		u := e.store.byID[id]
		out = append(out, queueMember{
			ID: id, Name: u.cur.name, RingNumber: 1, Joined: true, MemberBy: "user",
			User:    ref2{ID: id, Name: u.cur.name, SelfURI: "/api/v2/users/" + id},
			SelfURI: "/api/v2/routing/queues/" + qid + "/members/" + id,
		})
	}
	e.mu.RUnlock()
	ents, _ := json.Marshal(out)
	b := append(c.buf, `{"entities":`...)
	b = append(b, ents...)
	b = appendListing(b, "/api/v2/routing/queues/"+qid+"/members?", size, number, len(members), pageCount)
	b = append(b, '}')
	c.buf = b
	c.writeJSON(http.StatusOK, b)
}
