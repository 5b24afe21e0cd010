package objstore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deltaplan/deltaplan/delta"
)

// memBackend is an in-memory backend counting gets, for the Store logic
// that does not depend on a server.
type memBackend struct {
	mu      sync.Mutex
	objs    map[string][]byte
	gets    atomic.Int64
	short   map[string]int // key -> remaining cut reads
	inFlght atomic.Int64
	peak    atomic.Int64
}

func (m *memBackend) list(_ context.Context, prefix, startAfter string) ([]delta.FileInfo, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []delta.FileInfo
	for k, v := range m.objs {
		if strings.HasPrefix(k, prefix) && k > startAfter && !strings.Contains(k[strings.LastIndexByte(prefix, '/')+1:], "/") {
			out = append(out, delta.FileInfo{Path: k, Size: int64(len(v)), ModTime: time.Unix(1, 0)})
		}
	}
	return out, nil
}

func (m *memBackend) get(_ context.Context, key string, off, n int64) ([]byte, error) {
	m.gets.Add(1)
	if c := m.inFlght.Add(1); c > m.peak.Load() {
		m.peak.Store(c)
	}
	defer m.inFlght.Add(-1)
	time.Sleep(time.Millisecond)
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.objs[key]
	if !ok {
		return nil, fs.ErrNotExist
	}
	if m.short[key] > 0 {
		m.short[key]--
		return v[:len(v)/2], nil // a body that lost its tail, undetected by the backend
	}
	if n < 0 {
		return append([]byte(nil), v...), nil
	}
	if off >= int64(len(v)) {
		return []byte{}, nil
	}
	return append([]byte(nil), v[off:min(off+n, int64(len(v)))]...), nil
}

func (m *memBackend) stat(_ context.Context, key string) (delta.FileInfo, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.objs[key]
	if !ok {
		return delta.FileInfo{}, fs.ErrNotExist
	}
	return delta.FileInfo{Path: key, Size: int64(len(v))}, nil
}

func (m *memBackend) check(context.Context) error { return nil }

func newMemStore(t *testing.T, commits int, o options) (*Store, *memBackend) {
	t.Helper()
	m := &memBackend{objs: map[string][]byte{}, short: map[string]int{}}
	for v := 0; v < commits; v++ {
		m.objs[fmt.Sprintf("tbl/_delta_log/%020d.json", v)] = []byte(fmt.Sprintf(`{"commitInfo":{"v":%d}}`+"\n", v))
	}
	loc := Location{Provider: S3, Bucket: "b", Prefix: "tbl"}
	s := &Store{loc: loc, be: m, sem: make(chan struct{}, o.maxInFlight), redact: func(s string) string { return s }, sizes: map[string]int64{}, attempts: 3, maxBackoff: time.Millisecond}
	return s, m
}

// TestConcurrentReads: commits read concurrently, as the Delta reader does,
// come back with their own bytes, are fetched once each, and never exceed
// the in-flight bound.
func TestConcurrentReads(t *testing.T) {
	ctx := context.Background()
	s, m := newMemStore(t, 100, options{maxInFlight: 4})
	files, err := s.List(ctx, "_delta_log/", "")
	if err != nil || len(files) != 100 {
		t.Fatalf("list: %d files, %v", len(files), err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for v := 0; v < 100; v++ {
		wg.Add(1)
		go func(v int) {
			defer wg.Done()
			p := fmt.Sprintf("_delta_log/%020d.json", v)
			b, err := s.Read(ctx, p)
			if err != nil {
				errs <- err
				return
			}
			if want := fmt.Sprintf(`{"commitInfo":{"v":%d}}`+"\n", v); string(b) != want {
				errs <- fmt.Errorf("read %s = %q, want %q", p, b, want)
			}
		}(v)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if g := m.gets.Load(); g != 100 {
		t.Errorf("%d gets for 100 commits, want 100", g)
	}
	if p := m.peak.Load(); p > 4 {
		t.Errorf("%d requests in flight, bound 4", p)
	}
}

// TestShortReadRefused: a body shorter than the listed size is retried and
// then refused, never returned.
func TestShortReadRefused(t *testing.T) {
	ctx := context.Background()
	for _, cuts := range []int{1, 10} {
		s, m := newMemStore(t, 3, options{maxInFlight: 2})
		if _, err := s.List(ctx, "_delta_log/", ""); err != nil {
			t.Fatal(err)
		}
		key := "tbl/_delta_log/00000000000000000001.json"
		m.short[key] = cuts
		b, err := s.Read(ctx, "_delta_log/00000000000000000001.json")
		if cuts == 1 {
			if err != nil || len(b) != len(m.objs[key]) {
				t.Errorf("one cut read: got %q, %v; want the retry's whole object", b, err)
			}
			continue
		}
		if !errors.Is(err, ErrShortRead) || b != nil {
			t.Errorf("persistent cut: got %q, %v; want ErrShortRead and no bytes", b, err)
		}
		if err != nil && !strings.Contains(err.Error(), "s3://b/tbl/_delta_log/00000000000000000001.json") {
			t.Errorf("error does not name the object: %v", err)
		}
	}
}

// TestListContract: sorted, after startAfter, fs.ErrNotExist when empty.
func TestListContract(t *testing.T) {
	ctx := context.Background()
	s, _ := newMemStore(t, 5, options{maxInFlight: 2})
	got, err := s.List(ctx, "_delta_log/", "_delta_log/00000000000000000002")
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, f := range got {
		paths = append(paths, f.Path)
	}
	want := []string{"_delta_log/00000000000000000002.json", "_delta_log/00000000000000000003.json", "_delta_log/00000000000000000004.json"}
	if !sort.StringsAreSorted(paths) || strings.Join(paths, ",") != strings.Join(want, ",") {
		t.Errorf("list = %v, want %v", paths, want)
	}
	if _, err := s.List(ctx, "nothing/", ""); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("empty prefix: %v, want fs.ErrNotExist", err)
	}
	if b, err := s.ReadRange(ctx, "_delta_log/00000000000000000000.json", 2, 5); err != nil || string(b) != `commi` {
		t.Errorf("ReadRange = %q, %v", b, err)
	}
	if _, err := s.Read(ctx, "_delta_log/missing.json"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing object: %v, want fs.ErrNotExist", err)
	}
}

func TestRedact(t *testing.T) {
	t.Setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY")
	t.Setenv("AZURE_STORAGE_CONNECTION_STRING", "AccountName=a;AccountKey=c2VjcmV0a2V5;BlobEndpoint=http://x")
	r := newRedactor()
	for in, want := range map[string]string{
		"bad key wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY here": "bad key [REDACTED] here",
		"GET https://a/b?sv=1&sig=abc%2Fdef&se=2":             "GET https://a/b?sv=1&sig=[REDACTED]&se=2",
		"key c2VjcmV0a2V5 leaked":                             "key [REDACTED] leaked",
		"X-Amz-Signature=0123abcd":                            "X-Amz-Signature=[REDACTED]",
		"nothing secret":                                      "nothing secret",
	} {
		if got := r(in); got != want {
			t.Errorf("redact(%q) = %q, want %q", in, got, want)
		}
	}
}
