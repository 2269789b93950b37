package gateway

import (
	"context"
	"net/http"

	"golang.org/x/sync/errgroup"

	"github.com/caddyscim/caddyscim/internal/audit"
	"github.com/caddyscim/caddyscim/internal/genesys"
	"github.com/caddyscim/caddyscim/internal/scim"
)

// Listing order. Every list search sorts by email ascending: the Genesys
// email is unique (across active, inactive and even deleted users), so it is
// a total order with no ties and the same user always sits at the same
// position whatever pageSize the window planner picks; Okta requires that
// stability across startIndex/count. A name sort has ties (unstable across
// pages), the id sort is arbitrary to people, and creation time is not a
// documented search sort field. The same sort is what Genesys's own Terraform
// provider uses for its email searches.
const (
	listSortBy    = fieldEmail
	listSortOrder = "ASC"
)

// postFilterPageSize is the page read for a post-filtered search: it holds an
// EXACT email conjunct, so it has at most one hit (emails are unique).
const postFilterPageSize = 25

// ListUsers implements GET /Users (RFC 7644 section 3.4.2): the filter becomes
// structured search criteria (or a direct read for id / externalId), the
// window becomes at most two search pages, deleted users never appear.
func (g *userOps) ListUsers(ctx context.Context, q *scim.ListQuery) (*scim.ListResult, error) {
	res, err := g.list(ctx, q)
	if err != nil {
		err = upstreamError(err)
		g.record(ctx, audit.Event{Name: audit.UserListError, Outcome: audit.Failed,
			Status: statusOf(err), Error: auditText(err)})
		return nil, err
	}
	g.record(ctx, audit.Event{Name: audit.UserListQuery, Outcome: audit.Success, Status: http.StatusOK})
	return res, nil
}

func (g *userOps) list(ctx context.Context, q *scim.ListQuery) (*scim.ListResult, error) {
	plan, err := planQuery(q.Filter)
	if err != nil {
		return nil, err
	}
	switch {
	case plan.none:
		return &scim.ListResult{}, nil
	case plan.lookup != nil:
		u, err := g.lookup(ctx, q, plan.lookup)
		if err != nil || u == nil || !matches(plan.filter, u) {
			return &scim.ListResult{}, err
		}
		return windowOf([]*scim.User{u}, q), nil
	case plan.postFilter:
		return g.postFilteredSearch(ctx, plan, q)
	}
	return g.searchWindow(ctx, plan.criteria, q)
}

// windowOf is the SCIM window of a result set held in memory.
func windowOf(all []*scim.User, q *scim.ListQuery) *scim.ListResult {
	count := min(max(q.Count, 0), maxSearchPageSize)
	return &scim.ListResult{Total: len(all), Users: cut(all, max(q.StartIndex, 1)-1, count)}
}

// searchWindow answers a window of a search with at most two search calls
// (planWindow), skipping the second page when the first shows it would be
// empty.
func (g *userOps) searchWindow(ctx context.Context, criteria []genesys.SearchCriteria, q *scim.ListQuery) (*scim.ListResult, error) {
	w, ok := planReachableWindow(q.StartIndex, q.Count)
	if !ok {
		// Beyond what search can page to: an empty page if the results end
		// before it, else the client must narrow its filter.
		r, err := g.search(ctx, q, criteria, 1, 1)
		if err != nil {
			return nil, err
		}
		if w.offset() >= r.Total {
			return &scim.ListResult{Total: r.Total}, nil
		}
		return nil, scim.Errorf(http.StatusBadRequest, scim.TooMany,
			"Genesys Cloud search serves the first %d results only; narrow the filter", deepPagingLimit)
	}
	first, err := g.search(ctx, q, criteria, w.pageSize, w.firstPage)
	if err != nil {
		return nil, err
	}
	total := first.Total
	if w.count == 0 {
		return &scim.ListResult{Total: total}, nil
	}
	results := first.Results
	if w.pages == 2 && w.firstPage*w.pageSize < total {
		second, err := g.search(ctx, q, criteria, w.pageSize, w.firstPage+1)
		if err != nil {
			return nil, err
		}
		// A page shorter than pageSize means the listing changed between
		// the calls; pad so the second page's users keep their positions.
		for len(results) < w.pageSize {
			results = append(results, genesys.User{})
		}
		results = append(results, second.Results...)
		total = second.Total
	}
	page := cut(results, w.skip, w.count)
	var ext map[string]string
	if q.ExternalID {
		if ext, err = g.externalIDsOf(ctx, page); err != nil {
			return nil, err
		}
	}
	users := make([]*scim.User, 0, len(page))
	for i := range page {
		if page[i].ID == "" {
			continue
		}
		users = append(users, g.render(ctx, q, &page[i], ext[page[i].ID]))
	}
	return &scim.ListResult{Total: total, Users: users}, nil
}

// postFilteredSearch runs a search that holds an EXACT email conjunct (at
// most one hit) and keeps the hits the whole filter matches in memory.
func (g *userOps) postFilteredSearch(ctx context.Context, plan *queryPlan, q *scim.ListQuery) (*scim.ListResult, error) {
	r, err := g.search(ctx, q, plan.criteria, postFilterPageSize, 1)
	if err != nil {
		return nil, err
	}
	var ext map[string]string
	if q.ExternalID {
		if ext, err = g.externalIDsOf(ctx, r.Results); err != nil {
			return nil, err
		}
	}
	var kept []*scim.User
	for i := range r.Results {
		if u := g.render(ctx, q, &r.Results[i], ext[r.Results[i].ID]); matches(plan.filter, u) {
			kept = append(kept, u)
		}
	}
	return windowOf(kept, q), nil
}

// search runs one page of a list search in the stable order.
func (g *userOps) search(ctx context.Context, q *scim.ListQuery, criteria []genesys.SearchCriteria, pageSize, pageNumber int) (*genesys.SearchResponse, error) {
	var expand []string
	if q.Groups {
		expand = []string{expandGroups}
	}
	return g.cfg.Client.SearchUsers(ctx, genesys.SearchRequest{
		PageSize:   pageSize,
		PageNumber: pageNumber,
		SortBy:     listSortBy,
		SortOrder:  listSortOrder,
		Query:      criteria,
		Expand:     expand,
	})
}

// render is userToSCIM with the user's external id (from externalIDsOf;
// "" when the response leaves it out). Groups are rendered when the query
// asks for them (the search expanded them).
func (g *userOps) render(ctx context.Context, q *scim.ListQuery, u *genesys.User, ext string) *scim.User {
	out := userToSCIM(u, ext)
	if q.Groups {
		out.Groups = g.userGroups(ctx, u)
	}
	return out
}

// externalIDsOf returns the external ids of users by id. externalId is
// returned by default (RFC 7643 §3.1 "returned": default), and Genesys keeps
// it apart from the user, so one not yet known to this process costs a
// GET /api/v2/users/{userId}/externalid, at most lookupParallelism at once:
// a page is then right after a restart or on another instance, and the
// ids are remembered for the next. Any lookup failing fails the list rather
// than answer a user without its externalId.
func (g *userOps) externalIDsOf(ctx context.Context, users []genesys.User) (map[string]string, error) {
	out := make(map[string]string, len(users))
	var missing []string
	for i := range users {
		id := users[i].ID
		if id == "" {
			continue
		}
		if k, ok := g.knownExternalID(id); ok {
			out[id] = k
		} else {
			missing = append(missing, id)
		}
	}
	if len(missing) == 0 {
		return out, nil
	}
	keys := make([]string, len(missing))
	eg, ectx := errgroup.WithContext(ctx)
	eg.SetLimit(lookupParallelism)
	for i, id := range missing {
		eg.Go(func() (err error) {
			keys[i], err = g.externalIDFor(ectx, id)
			return err
		})
	}
	if err := eg.Wait(); err != nil {
		return nil, err
	}
	for i, id := range missing {
		out[id] = keys[i]
	}
	return out, nil
}

// lookup answers an `id eq` or `externalId eq` term by a direct read; nil
// when no active or inactive user matches.
func (g *userOps) lookup(ctx context.Context, q *scim.ListQuery, c *scim.Compare) (*scim.User, error) {
	key, _ := stringValue(c)
	var (
		u   *genesys.User
		err error
	)
	if c.Attr == scim.AttrID {
		if !isGenesysID(key) {
			return nil, nil // no user has it
		}
		u, err = g.cfg.Client.GetUser(ctx, key, "", expandGroups)
	} else {
		u, err = g.cfg.Client.GetUserByExternalID(ctx, g.cfg.ExternalIDAuthority, key)
		if err == nil && q.Groups {
			// GET /api/v2/users/externalid/{authorityName}/{externalKey}
			// documents no expand: the groups need a read of the user.
			u, err = g.cfg.Client.GetUser(ctx, u.ID, "", expandGroups)
		}
	}
	switch {
	case isAbsent(err):
		return nil, nil
	case err != nil:
		return nil, err
	case u.State == genesys.StateDeleted:
		return nil, nil
	}
	ext := key
	if c.Attr == scim.AttrExternalID {
		g.rememberExternalID(u.ID, key)
	} else if ext, err = g.externalIDFor(ctx, u.ID); err != nil {
		return nil, err
	}
	out := userToSCIM(u, ext)
	if q.Groups {
		out.Groups = g.userGroups(ctx, u)
	}
	return out, nil
}
