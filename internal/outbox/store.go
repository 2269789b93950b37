package outbox

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"strings"
)

// Storage layout, under Config.Prefix:
//
//	<prefix>/entries/<keyhash>-<id>.json
//
// One flat directory, listed non-recursively (the one List form every
// certmagic storage agrees on). The entry's Key is hashed into the name so
// CancelKey finds a key's entries from a List without loading the others;
// names use only [a-z0-9_-.] so they are valid file names, Redis/Consul keys
// and S3 object names, and survive FileStorage's lock-name sanitising (which
// lower-cases and drops other characters).
const (
	entriesDir   = "entries"
	entryExt     = ".json"
	keyHashLen   = 16      // hex characters of sha256(Key): 64 bits
	maxEntrySize = 1 << 20 // an entry above 1 MiB is refused on write and unreadable on load
)

var (
	// errGone is returned by load when the entry no longer exists (completed
	// or cancelled by someone else).
	errGone = errors.New("outbox: entry gone")
	// errCorrupt marks an entry that exists but cannot be decoded.
	errCorrupt = errors.New("outbox: entry unreadable")

	idRE      = regexp.MustCompile(`^[a-z0-9_-]{1,64}$`)
	segmentRE = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)
)

// validPrefix reports whether every segment of a storage prefix is safe as
// a file name, Redis/Consul key part and S3 object name part.
func validPrefix(p string) bool {
	for _, seg := range strings.Split(p, "/") {
		if seg == "." || seg == ".." || !segmentRE.MatchString(seg) {
			return false
		}
	}
	return true
}

// validID reports whether a caller-chosen id is safe in every storage's key
// space and distinct after FileStorage's case-folding of lock names.
func validID(id string) bool { return idRE.MatchString(id) }

// NewID returns a random 128-bit id in lower-case hex: an entry id for an
// owner that must know it before Enqueue (to enqueue it again, due sooner).
func NewID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("outbox: generating id: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

func (o *Outbox) entriesPath() string { return path.Join(o.cfg.Prefix, entriesDir) }

// keyPrefix is the start of the storage key of every entry with this Key.
func (o *Outbox) keyPrefix(key string) string {
	sum := sha256.Sum256([]byte(key))
	return o.entriesPath() + "/" + hex.EncodeToString(sum[:])[:keyHashLen] + "-"
}

// entryKey is where e is stored; it is also the name of e's storage lock.
func (o *Outbox) entryKey(e Entry) string { return o.keyPrefix(e.Key) + e.ID + entryExt }

// listEntries returns the storage keys of all entries. A missing directory
// is an empty queue, not an error.
func (o *Outbox) listEntries(ctx context.Context) ([]string, error) {
	dir := o.entriesPath()
	keys, err := o.cfg.Storage.List(ctx, dir, false)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	out := keys[:0]
	for _, k := range keys {
		name, ok := strings.CutPrefix(k, dir+"/")
		if ok && !strings.Contains(name, "/") && strings.HasSuffix(name, entryExt) {
			out = append(out, k)
		}
	}
	return out, nil
}

// load reads the entry at key: errGone when it no longer exists, an error
// wrapping errCorrupt when it cannot be decoded, else the storage's error.
func (o *Outbox) load(ctx context.Context, key string) (Entry, error) {
	data, err := o.cfg.Storage.Load(ctx, key)
	if errors.Is(err, fs.ErrNotExist) {
		return Entry{}, errGone
	}
	if err != nil {
		return Entry{}, err
	}
	if len(data) > maxEntrySize {
		return Entry{}, fmt.Errorf("%w: %d bytes, above the %d limit", errCorrupt, len(data), maxEntrySize)
	}
	var e Entry
	if err := json.Unmarshal(data, &e); err != nil {
		return Entry{}, fmt.Errorf("%w: %v", errCorrupt, err)
	}
	if !validID(e.ID) || o.entryKey(e) != key {
		return Entry{}, fmt.Errorf("%w: id or key does not match the storage key", errCorrupt)
	}
	return e, nil
}

// store writes e at key, refusing entries above maxEntrySize.
func (o *Outbox) store(ctx context.Context, key string, e Entry) error {
	data, err := json.Marshal(e)
	if err != nil {
		return err
	}
	if len(data) > maxEntrySize {
		return fmt.Errorf("entry is %d bytes, above the %d limit", len(data), maxEntrySize)
	}
	return o.cfg.Storage.Store(ctx, key, data)
}
