package delta

import (
	"context"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"time"
)

// memStorage is an in-memory Storage for fuzzing and tests.
type memStorage map[string][]byte

func (m memStorage) List(_ context.Context, prefix, startAfter string) ([]FileInfo, error) {
	var out []FileInfo
	dir := prefix[:strings.LastIndexByte(prefix, '/')+1]
	for p, b := range m {
		if strings.HasPrefix(p, prefix) && p > startAfter && !strings.Contains(p[len(dir):], "/") {
			out = append(out, FileInfo{Path: p, Size: int64(len(b)), ModTime: time.UnixMilli(1000)})
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("list %s: %w", prefix, fs.ErrNotExist)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

func (m memStorage) Read(_ context.Context, p string) ([]byte, error) {
	b, ok := m[p]
	if !ok {
		return nil, fmt.Errorf("read %s: %w", p, fs.ErrNotExist)
	}
	return b, nil
}

func (m memStorage) ReadRange(_ context.Context, p string, off, n int64) ([]byte, error) {
	b, ok := m[p]
	if !ok {
		return nil, fmt.Errorf("read %s: %w", p, fs.ErrNotExist)
	}
	if off < 0 || n < 0 || off > int64(len(b)) {
		return nil, fmt.Errorf("read %s: bad range", p)
	}
	end := min(off+n, int64(len(b)))
	return b[off:end], nil
}

func (m memStorage) Stat(_ context.Context, p string) (FileInfo, error) {
	b, ok := m[p]
	if !ok {
		return FileInfo{}, fmt.Errorf("stat %s: %w", p, fs.ErrNotExist)
	}
	return FileInfo{Path: p, Size: int64(len(b)), ModTime: time.UnixMilli(1000)}, nil
}
