package deltawrite

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/deltaplan/deltaplan/delta"
)

// Storage is what the writer needs: the reader's seam plus two writes.
//
//   - Put creates or replaces path (data files, checkpoints,
//     _last_checkpoint). A reader must never see a partial object.
//   - PutIfAbsent creates path only if nothing is there, atomically; when
//     something is, the error wraps fs.ErrExist (os.ErrExist). Commits are
//     written only this way, so no writer ever overwrites a log entry.
//
// Paths are relative to the table root, '/'-separated, as in delta.Storage.
// objstore.Store and LocalFS implement it. Create and Open take a plain
// delta.Storage and refuse (ErrUnsupportedStorage) one that lacks these
// methods.
type Storage interface {
	delta.Storage
	Put(ctx context.Context, path string, data []byte) error
	PutIfAbsent(ctx context.Context, path string, data []byte) error
}

// deleter is an optional ability: stores that can delete are probed for a
// working PutIfAbsent (the probe object is removed afterwards).
type deleter interface {
	Delete(ctx context.Context, path string) error
}

// LocalFS is Storage over a local directory. PutIfAbsent writes a
// temporary file in the target directory and hard-links it to its final
// name (link fails with EEXIST when the name is taken, so it is atomic and
// never overwrites); Put writes a temporary file and renames it.
type LocalFS struct{ delta.LocalFS }

var _ Storage = LocalFS{}

// Local returns LocalFS rooted at dir.
func Local(dir string) LocalFS { return LocalFS{delta.LocalFS{Root: dir}} }

// URI returns the root directory (delta.Open resolves relative paths
// against it).
func (l LocalFS) URI() string { return l.Root }

func (l LocalFS) abs(p string) string { return filepath.Join(l.Root, filepath.FromSlash(p)) }

// tempFile writes data to a new hidden temporary file next to final and
// returns its name. Names starting with '.' are ignored by Delta readers.
func (l LocalFS) tempFile(final string, data []byte) (string, error) {
	dir := filepath.Dir(final)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	tmp := filepath.Join(dir, "."+filepath.Base(final)+"."+hex.EncodeToString(b[:])+".tmp")
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return "", err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(tmp)
		return "", err
	}
	return tmp, nil
}

// Put implements Storage.
func (l LocalFS) Put(ctx context.Context, path string, data []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	final := l.abs(path)
	tmp, err := l.tempFile(final, data)
	if err != nil {
		return fmt.Errorf("put %s: %w", path, err)
	}
	if err := os.Rename(tmp, final); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("put %s: %w", path, err)
	}
	return nil
}

// PutIfAbsent implements Storage.
func (l LocalFS) PutIfAbsent(ctx context.Context, path string, data []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	final := l.abs(path)
	tmp, err := l.tempFile(final, data)
	if err != nil {
		return fmt.Errorf("put-if-absent %s: %w", path, err)
	}
	testHook("local-temp-written")
	err = os.Link(tmp, final)
	_ = os.Remove(tmp)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("put-if-absent %s: %w", path, fs.ErrExist)
		}
		return fmt.Errorf("put-if-absent %s: %w", path, err)
	}
	return nil
}

// Delete removes path; a missing file is not an error.
func (l LocalFS) Delete(ctx context.Context, path string) error {
	if err := os.Remove(l.abs(path)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("delete %s: %w", path, err)
	}
	return nil
}

// asStorage finds the write abilities of st.
func asStorage(st delta.Storage) (Storage, error) {
	if st == nil {
		return nil, fmt.Errorf("%w: no storage", ErrUnsupportedStorage)
	}
	if ws, ok := st.(Storage); ok {
		return ws, nil
	}
	return nil, fmt.Errorf("%w: %T has no Put/PutIfAbsent methods (use deltawrite.Local or objstore.Store)", ErrUnsupportedStorage, st)
}

// probe checks once that PutIfAbsent refuses an existing object, on stores
// that can delete the probe afterwards. LocalFS needs no probe: link(2)
// never replaces a name.
func probe(ctx context.Context, st Storage) error {
	if _, ok := st.(LocalFS); ok {
		return nil
	}
	d, ok := st.(deleter)
	if !ok {
		return nil // cannot clean up: rely on the implementation's contract
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	key := "_delta_log/.deltawrite-probe-" + hex.EncodeToString(b[:])
	if err := st.PutIfAbsent(ctx, key, []byte("probe 1")); err != nil {
		return fmt.Errorf("probe conditional put: %w", err)
	}
	err := st.PutIfAbsent(ctx, key, []byte("probe 2"))
	derr := d.Delete(ctx, key)
	switch {
	case err == nil:
		return fmt.Errorf("%w: the server accepted a second If-None-Match create of %s (it ignores the condition)", ErrUnsupportedStorage, key)
	case !errors.Is(err, fs.ErrExist):
		return fmt.Errorf("probe conditional put: %w", err)
	case derr != nil:
		return fmt.Errorf("probe conditional put: remove probe: %w", derr)
	}
	return nil
}
