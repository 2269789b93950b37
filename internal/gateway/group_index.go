package gateway

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/caddyscim/caddyscim/internal/genesys"
)

// The group index: the organisation's groups, listed with GET /api/v2/groups.
// Genesys does not keep group names unique and its EXACT name search may be
// case-sensitive and lags behind writes, so names are looked up in a listing
// of all groups (Genesys recommends at most 500 per organisation) instead:
// case-insensitively, and with this process's own creates, renames and
// deletes applied at once.
const (
	// groupIndexTTL is how old a listing may be for reads, lists and
	// reconciliation; a create or rename lists afresh.
	groupIndexTTL = 30 * time.Second
	// groupPageSize is the page size of the listing.
	groupPageSize = 100
	// maxGroupPages bounds one listing: 10,000 groups, twenty times what
	// Genesys recommends for an organisation.
	maxGroupPages = 100
)

// indexedGroup is what the index knows of one group.
type indexedGroup struct {
	ID, Name string
	Version  genesys.Version
}

// groupIndex is safe for concurrent use; its zero value is empty.
type groupIndex struct {
	mu     sync.Mutex
	byID   map[string]indexedGroup
	listed time.Time
	// local holds this process's changes since the listing started:
	// applied again over a listing that began before them.
	local []localChange
	lists singleflight.Group
}

// localChange is a create or rename (g) or a delete (gone) done here.
type localChange struct {
	at   time.Time
	g    indexedGroup
	gone bool
}

// fresh returns the groups, listing them again when the listing is older
// than maxAge (0: always).
func (x *groupIndex) fresh(ctx context.Context, c *genesys.Client, maxAge time.Duration) (map[string]indexedGroup, error) {
	x.mu.Lock()
	if x.byID != nil && maxAge > 0 && time.Since(x.listed) < maxAge {
		m := x.byID
		x.mu.Unlock()
		return m, nil
	}
	x.mu.Unlock()
	return sharedCall(ctx, &x.lists, "", func(ctx context.Context) (map[string]indexedGroup, error) { return x.list(ctx, c) })
}

// list reads every page of GET /api/v2/groups and installs the result.
func (x *groupIndex) list(ctx context.Context, c *genesys.Client) (map[string]indexedGroup, error) {
	started := time.Now()
	m := map[string]indexedGroup{}
	for page := 1; ; page++ {
		if page > maxGroupPages {
			return nil, fmt.Errorf("gateway: the organisation has more than %d groups", maxGroupPages*groupPageSize)
		}
		p, err := c.ListGroups(ctx, groupPageSize, page)
		if err != nil {
			return nil, err
		}
		for _, g := range p.Entities {
			if g.ID != "" && g.State != genesys.StateDeleted {
				m[strings.Clone(g.ID)] = indexedGroup{ID: strings.Clone(g.ID), Name: strings.Clone(g.Name), Version: g.Version}
			}
		}
		if len(p.Entities) < groupPageSize || (p.PageCount > 0 && page >= p.PageCount) {
			break
		}
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	// Changes made here while the listing ran may be missing from it.
	kept := x.local[:0]
	for _, ch := range x.local {
		if ch.at.Before(started.Add(-groupIndexTTL)) {
			continue // old enough for any listing to show
		}
		kept = append(kept, ch)
		if ch.gone {
			delete(m, ch.g.ID)
		} else {
			m[ch.g.ID] = ch.g
		}
	}
	x.local = kept
	x.byID, x.listed = m, started
	return m, nil
}

// apply records a change made by this process: into the current listing at
// once, and over the next one while it may not show it yet.
func (x *groupIndex) apply(ch localChange) {
	ch.at = time.Now()
	x.mu.Lock()
	defer x.mu.Unlock()
	x.local = append(x.local, ch)
	if x.byID == nil {
		return
	}
	m := make(map[string]indexedGroup, len(x.byID)+1) // readers hold the old map
	for k, v := range x.byID {
		m[k] = v
	}
	if ch.gone {
		delete(m, ch.g.ID)
	} else {
		m[ch.g.ID] = ch.g
	}
	x.byID = m
}

// named returns the groups whose name is name under GroupKey, by id.
func named(groups map[string]indexedGroup, name string) []indexedGroup {
	key := GroupKey(name)
	var out []indexedGroup
	for _, g := range groups {
		if GroupKey(g.Name) == key {
			out = append(out, g)
		}
	}
	slices.SortFunc(out, func(a, b indexedGroup) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// sortedGroups is groups in the stable listing order: by GroupKey of the
// name, then id.
func sortedGroups(groups map[string]indexedGroup) []indexedGroup {
	out := make([]indexedGroup, 0, len(groups))
	for _, g := range groups {
		out = append(out, g)
	}
	slices.SortFunc(out, func(a, b indexedGroup) int {
		if c := strings.Compare(GroupKey(a.Name), GroupKey(b.Name)); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out
}
