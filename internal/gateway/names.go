package gateway

import (
	"context"
	"strings"

	"github.com/caddyscim/caddyscim/internal/genesys"
)

// Kinds of routing names, as they appear in messages and cache keys.
const (
	kindSkill    = "skill"
	kindLanguage = "language"
	kindQueue    = "queue"
)

// nameResolver turns skill, language and queue names into Genesys ids,
// through the cache in Shared.
type nameResolver struct {
	client   *genesys.Client
	shared   *Shared
	onLookup func(kind string, hit bool) // metrics; may be nil
}

// resolve returns the id of the skill, language or queue named name,
// "" when Genesys has none. Results are cached in Shared (hits for
// routingHitTTL, misses for routingMissTTL) and concurrent lookups of one
// name share a call.
func (n *nameResolver) resolve(ctx context.Context, kind, name string) (string, error) {
	key := kind + "\x00" + name
	v, hit := n.shared.routing.Get(key)
	if f := n.onLookup; f != nil {
		f(kind, hit)
	}
	if hit {
		return v.(string), nil
	}
	for {
		id, err, shared := n.lookup(ctx, kind, name, key)
		// A shared lookup ends with its leader's context: when the leader's
		// caller went away and this one is still here, look again (this
		// caller then leads).
		if shared && isContextError(err) && ctx.Err() == nil {
			continue
		}
		return id, err
	}
}

// lookup runs (or joins) the one upstream lookup of key. It runs on the
// leading caller's context, so a caller that hangs up stops its lookups and
// gives back their pacing slots instead of leaving them to run on.
func (n *nameResolver) lookup(ctx context.Context, kind, name, key string) (id string, err error, shared bool) {
	ch := n.shared.lookups.DoChan(key, func() (any, error) {
		var ent *genesys.NamedEntity
		var err error
		switch kind {
		case kindSkill:
			ent, err = n.client.FindSkill(ctx, name)
		case kindLanguage:
			ent, err = n.client.FindLanguage(ctx, name)
		default:
			ent, err = n.client.FindQueue(ctx, name)
		}
		if err != nil {
			return "", err
		}
		if ent == nil || ent.ID == "" {
			n.shared.routing.Set(strings.Clone(key), "", routingMissTTL)
			return "", nil
		}
		n.shared.routing.Set(strings.Clone(key), strings.Clone(ent.ID), routingHitTTL)
		return ent.ID, nil
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return "", r.Err, r.Shared
		}
		return r.Val.(string), nil, r.Shared
	case <-ctx.Done():
		return "", ctx.Err(), false
	}
}
