package delta

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// FileInfo describes one stored object. Path is relative to the storage root
// and uses '/' separators.
type FileInfo struct {
	Path    string
	Size    int64
	ModTime time.Time
}

// Storage is the narrow I/O seam of the reader. Paths are relative to the
// table root, '/'-separated. A missing object yields an error wrapping
// fs.ErrNotExist. Implementations must be safe for concurrent use.
type Storage interface {
	// List returns the objects directly under the directory part of prefix
	// whose paths start with prefix and sort after startAfter ("" for all),
	// sorted by path. A missing directory yields fs.ErrNotExist.
	List(ctx context.Context, prefix, startAfter string) ([]FileInfo, error)
	// Read returns the whole object.
	Read(ctx context.Context, path string) ([]byte, error)
	// ReadRange returns n bytes starting at off (fewer only at the end).
	ReadRange(ctx context.Context, path string, off, n int64) ([]byte, error)
	// Stat returns size and modification time.
	Stat(ctx context.Context, path string) (FileInfo, error)
}

// LocalFS is Storage over a local directory.
type LocalFS struct{ Root string }

func (l LocalFS) abs(p string) string { return filepath.Join(l.Root, filepath.FromSlash(p)) }

// List implements Storage.
func (l LocalFS) List(ctx context.Context, prefix, startAfter string) ([]FileInfo, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	dir, base := "", prefix
	if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
		dir, base = prefix[:i], prefix[i+1:]
	}
	entries, err := os.ReadDir(l.abs(dir))
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", prefix, err)
	}
	var out []FileInfo
	for _, e := range entries {
		if e.IsDir() || !strings.HasPrefix(e.Name(), base) {
			continue
		}
		p := e.Name()
		if dir != "" {
			p = dir + "/" + p
		}
		if startAfter != "" && p <= startAfter {
			continue
		}
		info, err := e.Info()
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue // deleted while listing
			}
			return nil, fmt.Errorf("list %s: %w", prefix, err)
		}
		out = append(out, FileInfo{Path: p, Size: info.Size(), ModTime: info.ModTime()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// Read implements Storage.
func (l LocalFS) Read(ctx context.Context, path string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b, err := os.ReadFile(l.abs(path))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return b, nil
}

// ReadRange implements Storage.
func (l LocalFS) ReadRange(ctx context.Context, path string, off, n int64) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if off < 0 || n < 0 {
		return nil, fmt.Errorf("read %s: invalid range %d+%d", path, off, n)
	}
	f, err := os.Open(l.abs(path))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	defer f.Close()
	buf := make([]byte, n)
	m, err := f.ReadAt(buf, off)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("read %s at %d: %w", path, off, err)
	}
	return buf[:m], nil
}

// Stat implements Storage.
func (l LocalFS) Stat(ctx context.Context, path string) (FileInfo, error) {
	if err := ctx.Err(); err != nil {
		return FileInfo{}, err
	}
	info, err := os.Stat(l.abs(path))
	if err != nil {
		return FileInfo{}, fmt.Errorf("stat %s: %w", path, err)
	}
	return FileInfo{Path: path, Size: info.Size(), ModTime: info.ModTime()}, nil
}

// readerAt adapts Storage.ReadRange to io.ReaderAt + io.Seeker for the
// parquet reader, so only the footer and the needed column chunks are read.
//
// It remembers the first storage failure (ioErr): the parquet library
// flattens errors into strings, and a caller must tell a failed or short
// read (retryable, not the file's fault) from malformed content.
type readerAt struct {
	ctx  context.Context
	st   Storage
	path string
	size int64
	pos  int64

	mu    sync.Mutex
	ioErr error

	// f, when set, is the open local file: reads go straight into the
	// caller's buffer instead of through ReadRange's copy.
	f    *os.File
	prog *progress // counts the bytes read through f
}

func (r *readerAt) fail(err error) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ioErr == nil {
		r.ioErr = err
	}
	return err
}

// err returns the first storage failure, nil if every read succeeded.
func (r *readerAt) err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.ioErr
}

func (r *readerAt) ReadAt(p []byte, off int64) (int, error) {
	if off >= r.size {
		return 0, io.EOF
	}
	var n int
	if r.f != nil {
		if err := r.ctx.Err(); err != nil {
			return 0, r.fail(err)
		}
		m, err := r.f.ReadAt(p, off)
		if err != nil && !errors.Is(err, io.EOF) {
			return m, r.fail(fmt.Errorf("read %s at %d: %w", r.path, off, err))
		}
		n = m
		r.prog.checkpointBytes(m)
	} else {
		b, err := r.st.ReadRange(r.ctx, r.path, off, int64(len(p)))
		if err != nil {
			return 0, r.fail(err)
		}
		n = copy(p, b)
	}
	if n < len(p) {
		if off+int64(n) < r.size {
			// The object is shorter than its listed size, or the answer
			// was cut: a storage problem, not a malformed file.
			return n, r.fail(fmt.Errorf("short read at %d: %d of %d bytes (object size %d): %w", off, n, len(p), r.size, io.ErrUnexpectedEOF))
		}
		return n, io.EOF
	}
	return n, nil
}

func (r *readerAt) Read(p []byte) (int, error) {
	n, err := r.ReadAt(p, r.pos)
	r.pos += int64(n)
	return n, err
}

func (r *readerAt) Seek(off int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		off += r.pos
	case io.SeekEnd:
		off += r.size
	default:
		return 0, fmt.Errorf("seek %s: bad whence %d", r.path, whence)
	}
	if off < 0 {
		return 0, fmt.Errorf("seek %s: negative position", r.path)
	}
	r.pos = off
	return off, nil
}
