package gateway

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/caddyscim/caddyscim/internal/audit"
	"github.com/caddyscim/caddyscim/internal/genesys"
	"github.com/caddyscim/caddyscim/internal/scim"
)

// ListGroups implements GET /Groups (RFC 7644 section 3.4.2). The filter
// (eq on displayName, id, externalId and members, with and/or) is answered
// by lookups: each conjunction starts from its most selective term (an id
// read, the externalId's storage record, the member's groups, the name in
// the group index, else every group) and the whole filter is checked on
// those candidates. Groups are in a stable order (name, then id); members
// are read only when the response shows them.
func (g *groupOps) ListGroups(ctx context.Context, q *scim.GroupListQuery) (*scim.GroupListResult, error) {
	res, err := g.listGroups(ctx, q)
	if err != nil {
		return nil, g.groupFailed(ctx, "", "", err)
	}
	g.record(ctx, audit.Event{Name: audit.GroupListQuery, Outcome: audit.Success, Status: http.StatusOK})
	return res, nil
}

func (g *groupOps) listGroups(ctx context.Context, q *scim.GroupListQuery) (*scim.GroupListResult, error) {
	ev := &groupFilterEval{g: g, userGroups: map[string]map[string]bool{}, ext: map[string]string{}}
	cands, err := ev.candidates(ctx, q.Filter)
	if err != nil {
		return nil, err
	}
	var matched []indexedGroup
	for _, c := range sortedGroups(cands) {
		ok, err := ev.matches(ctx, q.Filter, c)
		if err != nil {
			return nil, err
		}
		if ok {
			matched = append(matched, c)
		}
	}
	res := &scim.GroupListResult{Total: len(matched)}
	read := 0
	for _, c := range cut(matched, max(q.StartIndex, 1)-1, q.Count) {
		ext, err := ev.externalID(ctx, c.ID)
		if err != nil {
			return nil, err
		}
		var members []genesys.User
		if q.Members {
			if members, err = g.members(ctx, c.ID); err != nil {
				return nil, err
			}
			if read += len(members); read > maxMembersRead {
				return nil, scim.Errorf(http.StatusBadRequest, scim.TooMany,
					"these groups have more than %d members together; ask for fewer (count) or leave members out", maxMembersRead)
			}
		}
		res.Groups = append(res.Groups, groupToSCIM(c.ID, c.Name, c.Version, ext, members))
	}
	return res, nil
}

// groupFilterEval evaluates one request's group filter, remembering what it
// read (users' groups, externalIds) so each is read once.
type groupFilterEval struct {
	g          *groupOps
	userGroups map[string]map[string]bool // user id -> group ids
	ext        map[string]string          // group id -> externalId
	lookups    int                        // upstream reads so far
}

// maxFilterLookups bounds the groups and users one filter reads by id: an
// `or` of many ids must not turn one request into hundreds of calls.
const maxFilterLookups = 20

// lookup counts one upstream read of the filter, refusing past the bound.
func (e *groupFilterEval) lookup() error {
	if e.lookups++; e.lookups > maxFilterLookups {
		return scim.Errorf(http.StatusBadRequest, scim.TooMany,
			"the filter needs more than %d lookups; ask for fewer groups or members at a time", maxFilterLookups)
	}
	return nil
}

// candidates is the groups that can match f: a superset of the matches,
// found from f's most selective terms.
func (e *groupFilterEval) candidates(ctx context.Context, f scim.Filter) (map[string]indexedGroup, error) {
	switch t := f.(type) {
	case *scim.Compare:
		return e.compareCandidates(ctx, t)
	case *scim.And:
		// The most selective conjunct: an id, an externalId, a member,
		// then a name.
		for _, attr := range []string{scim.AttrID, scim.AttrExternalID, scim.AttrMembers, scim.AttrDisplayName} {
			for _, term := range t.Terms {
				if c, ok := term.(*scim.Compare); ok && c.Attr == attr {
					return e.compareCandidates(ctx, c)
				}
			}
		}
	case *scim.Or:
		out := map[string]indexedGroup{}
		for _, term := range t.Terms {
			part, err := e.candidates(ctx, term)
			if err != nil {
				return nil, err
			}
			for id, c := range part {
				out[id] = c
			}
		}
		return out, nil
	}
	return e.g.shared.groups.fresh(ctx, e.g.cfg.Client, groupIndexTTL)
}

// compareCandidates is the groups one term can match.
func (e *groupFilterEval) compareCandidates(ctx context.Context, c *scim.Compare) (map[string]indexedGroup, error) {
	v := compareText(c)
	out := map[string]indexedGroup{}
	switch c.Attr {
	case scim.AttrID:
		return e.byID(ctx, v, out)
	case scim.AttrExternalID:
		id, err := e.g.groupExternalIDs.lookup(ctx, v)
		if err != nil {
			return nil, unavailable("group externalIds could not be read; retry", err)
		}
		if id == "" {
			return out, nil
		}
		e.ext[id] = v
		return e.byID(ctx, id, out)
	case scim.AttrMembers:
		ids, err := e.groupsOf(ctx, v)
		if err != nil {
			return nil, err
		}
		groups, err := e.g.shared.groups.fresh(ctx, e.g.cfg.Client, groupIndexTTL)
		if err != nil {
			return nil, err
		}
		for id := range ids {
			if gr, ok := groups[id]; ok {
				out[id] = gr
			} else if _, err := e.byID(ctx, id, out); err != nil {
				return nil, err
			}
		}
		return out, nil
	case scim.AttrDisplayName:
		groups, err := e.g.shared.groups.fresh(ctx, e.g.cfg.Client, groupIndexTTL)
		if err != nil {
			return nil, err
		}
		for _, gr := range named(groups, v) {
			out[gr.ID] = gr
		}
		return out, nil
	}
	return e.g.shared.groups.fresh(ctx, e.g.cfg.Client, groupIndexTTL)
}

// byID adds the group id names to out, read from Genesys (a group that
// does not exist, or an id that cannot be one, adds nothing).
func (e *groupFilterEval) byID(ctx context.Context, id string, out map[string]indexedGroup) (map[string]indexedGroup, error) {
	if !isGenesysID(id) {
		return out, nil
	}
	if err := e.lookup(); err != nil {
		return nil, err
	}
	gr, err := e.g.cfg.Client.GetGroup(ctx, id)
	switch {
	case isAbsent(err):
		return out, nil
	case err != nil:
		return nil, err
	case gr.State != genesys.StateDeleted:
		out[gr.ID] = indexedGroup{ID: gr.ID, Name: gr.Name, Version: gr.Version}
	}
	return out, nil
}

// groupsOf is the ids of the groups user id belongs to (GET
// /api/v2/users/{userId}?expand=groups); none for an unknown or deleted
// user.
func (e *groupFilterEval) groupsOf(ctx context.Context, userID string) (map[string]bool, error) {
	if ids, ok := e.userGroups[userID]; ok {
		return ids, nil
	}
	ids := map[string]bool{}
	if isGenesysID(userID) {
		if err := e.lookup(); err != nil {
			return nil, err
		}
		u, err := e.g.cfg.Client.GetUser(ctx, userID, "", expandGroups)
		switch {
		case isAbsent(err):
		case err != nil:
			return nil, err
		case u.State != genesys.StateDeleted:
			for _, ref := range u.Groups {
				ids[ref.ID] = true
			}
		}
	}
	e.userGroups[userID] = ids
	return ids, nil
}

// externalID is the group's externalId, read once per request.
func (e *groupFilterEval) externalID(ctx context.Context, groupID string) (string, error) {
	if v, ok := e.ext[groupID]; ok {
		return v, nil
	}
	v, err := e.g.groupExternalIDs.get(ctx, groupID)
	if err != nil {
		return "", unavailable("the group's externalId could not be read; retry", err)
	}
	e.ext[groupID] = v
	return v, nil
}

// matches evaluates f on one group: displayName case-insensitively (by
// GroupKey), id and externalId exactly, members by the member's groups.
func (e *groupFilterEval) matches(ctx context.Context, f scim.Filter, gr indexedGroup) (bool, error) {
	switch t := f.(type) {
	case nil:
		return true, nil
	case *scim.And:
		for _, term := range t.Terms {
			if ok, err := e.matches(ctx, term, gr); !ok || err != nil {
				return false, err
			}
		}
		return true, nil
	case *scim.Or:
		for _, term := range t.Terms {
			if ok, err := e.matches(ctx, term, gr); ok || err != nil {
				return ok, err
			}
		}
		return false, nil
	case *scim.Compare:
		v := compareText(t)
		switch t.Attr {
		case scim.AttrID:
			return gr.ID == v, nil
		case scim.AttrDisplayName:
			return GroupKey(gr.Name) == GroupKey(v), nil
		case scim.AttrExternalID:
			ext, err := e.externalID(ctx, gr.ID)
			return ext != "" && ext == v, err
		case scim.AttrMembers:
			ids, err := e.groupsOf(ctx, v)
			return ids[gr.ID], err
		}
	}
	return false, nil
}

// compareText is a group filter term's value as text: ParseGroupFilter
// admits strings and numbers (a number stands for its text).
func compareText(c *scim.Compare) string {
	switch v := c.Value.(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	}
	return ""
}
