package gateway

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"strings"
	"sync"

	"github.com/caddyserver/certmagic"
)

// groupExternalIDs keeps each group's externalId: Genesys groups have no
// field for it (GroupCreate, GroupUpdate), so it lives in Caddy's configured
// storage, keyed by group id, where it survives restarts and is the same on
// every instance that shares the storage. A reverse key by a hash of the
// externalId answers `externalId eq` without scanning every group. Without
// storage (unit tests) it is kept in memory.
type groupExternalIDs struct {
	storage certmagic.Storage
	prefix  string // e.g. "scim_genesys/groups/<hash>"

	mu  sync.Mutex
	mem map[string]string // group id -> externalId, without storage
}

func (x *groupExternalIDs) byGroupKey(groupID string) string {
	return x.prefix + "/by_group/" + groupID
}

func (x *groupExternalIDs) byExternalIDKey(ext string) string {
	sum := sha256.Sum256([]byte(ext))
	return x.prefix + "/by_external_id/" + hex.EncodeToString(sum[:16])
}

// get returns groupID's externalId, "" for none.
func (x *groupExternalIDs) get(ctx context.Context, groupID string) (string, error) {
	if x.storage == nil {
		x.mu.Lock()
		defer x.mu.Unlock()
		return x.mem[groupID], nil
	}
	b, err := x.storage.Load(ctx, x.byGroupKey(groupID))
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	return string(b), err
}

// set records ext as groupID's externalId ("" removes it).
func (x *groupExternalIDs) set(ctx context.Context, groupID, ext string) error {
	if x.storage == nil {
		x.mu.Lock()
		defer x.mu.Unlock()
		if x.mem == nil {
			x.mem = map[string]string{}
		}
		if ext == "" {
			delete(x.mem, groupID)
		} else {
			x.mem[groupID] = ext
		}
		return nil
	}
	old, err := x.get(ctx, groupID)
	if err != nil || old == ext {
		return err
	}
	if ext == "" {
		err = x.storage.Delete(ctx, x.byGroupKey(groupID))
		if errors.Is(err, fs.ErrNotExist) {
			err = nil
		}
	} else {
		// The reverse key first: a forward record is only trusted when its
		// reverse agrees (lookup), and a stale reverse is checked against
		// the forward record.
		if err = x.storage.Store(ctx, x.byExternalIDKey(ext), []byte(groupID)); err == nil {
			err = x.storage.Store(ctx, x.byGroupKey(groupID), []byte(ext))
		}
	}
	if err == nil && old != "" {
		err = x.dropReverse(ctx, old, groupID)
	}
	return err
}

// dropReverse deletes ext's reverse key if it still names groupID: another
// group given ext since owns the key now, and its lookups need it.
func (x *groupExternalIDs) dropReverse(ctx context.Context, ext, groupID string) error {
	key := x.byExternalIDKey(ext)
	b, err := x.storage.Load(ctx, key)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil || strings.TrimSpace(string(b)) != groupID {
		return err
	}
	if err := x.storage.Delete(ctx, key); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// lookup returns the id of the group whose externalId is ext ("" for
// none): the reverse key, confirmed by the group's own record.
func (x *groupExternalIDs) lookup(ctx context.Context, ext string) (string, error) {
	if x.storage == nil {
		x.mu.Lock()
		defer x.mu.Unlock()
		for id, e := range x.mem {
			if e == ext {
				return id, nil
			}
		}
		return "", nil
	}
	b, err := x.storage.Load(ctx, x.byExternalIDKey(ext))
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	id := strings.TrimSpace(string(b))
	if cur, err := x.get(ctx, id); err != nil || cur != ext {
		return "", err
	}
	return id, nil
}
