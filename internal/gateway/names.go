package gateway

import (
	"context"

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
	ch := n.shared.lookups.DoChan(key, func() (any, error) {
		// The lookup serves every waiter: it must not end with the first
		// caller's context (the client's per-call timeout bounds it).
		lctx := context.WithoutCancel(ctx)
		var ent *genesys.NamedEntity
		var err error
		switch kind {
		case kindSkill:
			ent, err = n.client.FindSkill(lctx, name)
		case kindLanguage:
			ent, err = n.client.FindLanguage(lctx, name)
		default:
			ent, err = n.client.FindQueue(lctx, name)
		}
		if err != nil {
			return "", err
		}
		if ent == nil || ent.ID == "" {
			n.shared.routing.Set(key, "", routingMissTTL)
			return "", nil
		}
		n.shared.routing.Set(key, ent.ID, routingHitTTL)
		return ent.ID, nil
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return "", r.Err
		}
		return r.Val.(string), nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}
