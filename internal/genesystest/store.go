package genesystest

import (
	"encoding/json"
	"slices"
	"strings"
	"time"
)

// Contact is a Genesys Contact (an entry of a user's addresses).
type Contact struct {
	Address     string `json:"address,omitempty"`
	Display     string `json:"display,omitempty"`
	MediaType   string `json:"mediaType,omitempty"`
	Type        string `json:"type,omitempty"`
	Extension   string `json:"extension,omitempty"`
	CountryCode string `json:"countryCode,omitempty"`
	Integration string `json:"integration,omitempty"`
}

// ExternalID is one external id mapping of a user.
type ExternalID struct {
	Authority string `json:"authorityName"`
	Key       string `json:"externalKey"`
}

// snap is one immutable version of a user. Every write makes a new one, so
// readers (and the lagging search index) can hold on to an old one without
// locks or copies. json is its pre-rendered User body, so reads and
// searches copy bytes instead of encoding.
type snap struct {
	id, name, email, state, title, department, manager, divisionID string
	version                                                        int
	addresses                                                      []Contact
	lname, lemail, ltitle, ldept                                   string // lower-cased, for search
	json                                                           []byte
}

// indexed holds the versions of an entity (a user, a group) that readers
// and the lagging search index see. Every write makes a new immutable
// version; search keeps seeing the older ones until the lag has passed.
type indexed[T any] struct {
	cur     *T
	search  *T // what search sees once pending is empty; nil: not yet indexed
	pending []pendingVersion[T]
}

// pendingVersion is a write not yet visible to search.
type pendingVersion[T any] struct {
	at time.Time
	v  *T
}

// publish schedules the current version for search at now+lag (at once
// when lag <= 0). The caller holds the write lock.
func (x *indexed[T]) publish(now time.Time, lag time.Duration) {
	// Promote what is already visible so pending stays short.
	k := 0
	for _, p := range x.pending {
		if now.Before(p.at) {
			break
		}
		x.search = p.v
		k++
	}
	x.pending = x.pending[k:]
	if lag <= 0 {
		x.search, x.pending = x.cur, nil
		return
	}
	x.pending = append(x.pending, pendingVersion[T]{at: now.Add(lag), v: x.cur})
}

// visible is the version search sees at now (nil: none yet).
func (x *indexed[T]) visible(now time.Time) *T {
	for i := len(x.pending) - 1; i >= 0; i-- {
		if !now.Before(x.pending[i].at) {
			return x.pending[i].v
		}
	}
	return x.search
}

// assignment is a skill or language assigned to a user.
type assignment struct {
	id   string
	prof float64
}

type user struct {
	indexed[snap]
	skills    []assignment
	languages []assignment
	extIDs    []ExternalID
	groups    []*group // groups the user is an individual member of, in the order joined (deleted ones too)
}

// entity is a named thing with an id: division, skill, language, queue.
type entity struct{ id, name string }

// catalog is an ordered set of entities.
type catalog struct {
	list []entity
	byID map[string]int
}

func (c *catalog) add(name string) string {
	if c.byID == nil {
		c.byID = make(map[string]int)
	}
	for _, en := range c.list {
		if en.name == name {
			return en.id
		}
	}
	id := newID()
	c.byID[id] = len(c.list)
	c.list = append(c.list, entity{id: id, name: name})
	return id
}

func (c *catalog) idOf(name string) (string, bool) {
	for _, en := range c.list {
		if en.name == name {
			return en.id, true
		}
	}
	return "", false
}

func (c *catalog) nameOf(id string) (string, bool) {
	i, ok := c.byID[id]
	if !ok {
		return "", false
	}
	return c.list[i].name, true
}

type store struct {
	users   []*user          // creation order
	byID    map[string]*user //
	byEmail map[string]*user // lower-cased email -> holder, deleted users included
	extIDs  map[ExternalID]*user

	divisions, skills, languages, queues catalog
	homeID                               string
	members                              map[string][]string // queue id -> user ids, in order added

	groups     []*group          // creation order, deleted ones included
	groupsByID map[string]*group //
}

func (s *store) init(cfg Config) {
	s.byID = make(map[string]*user)
	s.byEmail = make(map[string]*user)
	s.extIDs = make(map[ExternalID]*user)
	s.members = make(map[string][]string)
	s.groupsByID = make(map[string]*group)
	s.homeID = s.divisions.add("Home")
	for _, n := range cfg.Divisions {
		s.divisions.add(n)
	}
	for _, n := range cfg.Skills {
		s.skills.add(n)
	}
	for _, n := range cfg.Languages {
		s.languages.add(n)
	}
	for _, n := range cfg.Queues {
		s.queues.add(n)
	}
}

// lookup returns the user with id; deleted users are returned too (callers
// decide what a deleted user means for them).
func (s *store) lookup(id string) *user { return s.byID[id] }

// live returns the user with id unless it is unknown or deleted.
func (s *store) live(id string) *user {
	u := s.byID[id]
	if u == nil || u.cur.state == stateDeleted {
		return nil
	}
	return u
}

const (
	stateActive   = "active"
	stateInactive = "inactive"
	stateDeleted  = "deleted"
)

// userDoc is the User body the API returns (the fields this product uses,
// plus the ones a real answer always carries).
type userDoc struct {
	ID                 string    `json:"id"`
	Name               string    `json:"name"`
	Division           divRef    `json:"division"`
	Chat               chatRef   `json:"chat"`
	Department         string    `json:"department,omitempty"`
	Email              string    `json:"email"`
	PrimaryContactInfo []Contact `json:"primaryContactInfo"`
	Addresses          []Contact `json:"addresses"`
	State              string    `json:"state"`
	Title              string    `json:"title,omitempty"`
	Username           string    `json:"username"`
	Manager            *ref      `json:"manager,omitempty"`
	Version            int       `json:"version"`
	AcdAutoAnswer      bool      `json:"acdAutoAnswer"`
	SelfURI            string    `json:"selfUri"`
}

type divRef struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	SelfURI string `json:"selfUri"`
}

type chatRef struct {
	JabberID string `json:"jabberId"`
}

type ref struct {
	ID      string `json:"id"`
	SelfURI string `json:"selfUri"`
}

// finish fills the derived fields of a new snap and renders its JSON. The
// caller holds the write lock (the division name is read from the store).
func (s *store) finish(n *snap) *snap {
	n.lname, n.lemail = strings.ToLower(n.name), strings.ToLower(n.email)
	n.ltitle, n.ldept = strings.ToLower(n.title), strings.ToLower(n.department)
	divName, _ := s.divisions.nameOf(n.divisionID)
	doc := userDoc{
		ID: n.id, Name: n.name, Email: n.email, State: n.state, Title: n.title,
		Department: n.department, Username: n.email, Version: n.version,
		Division:           divRef{ID: n.divisionID, Name: divName, SelfURI: "/api/v2/authorization/divisions/" + n.divisionID},
		Chat:               chatRef{JabberID: n.id + "@emulator.orgspan.com"},
		PrimaryContactInfo: []Contact{{Address: n.email, MediaType: "EMAIL", Type: "PRIMARY"}},
		Addresses:          n.addresses,
		SelfURI:            "/api/v2/users/" + n.id,
	}
	if doc.Addresses == nil {
		doc.Addresses = []Contact{}
	}
	if n.manager != "" {
		doc.Manager = &ref{ID: n.manager, SelfURI: "/api/v2/users/" + n.manager}
	}
	n.json, _ = json.Marshal(doc)
	return n
}

// clone returns a mutable copy of the current version of u.
func (u *user) clone() *snap {
	n := *u.cur
	n.addresses = slices.Clone(n.addresses)
	n.json = nil
	return &n
}

// commit makes n the current version of u (a new user when u.cur is nil)
// and schedules its visibility to search after the configured lag. The
// caller holds the write lock.
func (e *Emulator) commit(u *user, n *snap) {
	s := &e.store
	u.cur = s.finish(n)
	u.publish(e.now(), e.searchLag())
}

// searchLag is how long a write takes to reach search (0 in fast mode).
func (e *Emulator) searchLag() time.Duration {
	if e.fast.Load() {
		return 0
	}
	return time.Duration(e.lag.Load())
}
