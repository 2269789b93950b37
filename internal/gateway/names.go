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
// name share a call (sharedCall: a caller that hangs up stops the lookups
// it leads).
func (n *nameResolver) resolve(ctx context.Context, kind, name string) (string, error) {
	key := kind + "\x00" + name
	v, hit := n.shared.routing.Get(key)
	if f := n.onLookup; f != nil {
		f(kind, hit)
	}
	if hit {
		return v.(string), nil
	}
	return sharedCall(ctx, &n.shared.lookups, key, func(ctx context.Context) (string, error) {
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
		return strings.Clone(ent.ID), nil
	})
}
