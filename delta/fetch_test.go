package delta

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// slowStorage delays reads (later paths answer sooner, to scramble the
// completion order), counts reads in flight and fails the listed paths.
type slowStorage struct {
	memStorage
	fail     map[string]error
	inFlight atomic.Int32
	peak     atomic.Int32
	reads    atomic.Int32
	mu       sync.Mutex
}

var errUnavailable = errors.New("503 service unavailable")

func (s *slowStorage) Read(ctx context.Context, p string) ([]byte, error) {
	n := s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	s.reads.Add(1)
	s.mu.Lock()
	if n > s.peak.Load() {
		s.peak.Store(n)
	}
	s.mu.Unlock()
	d := time.Duration(1+len(p)%3) * time.Millisecond
	select {
	case <-time.After(d):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if err := s.fail[p]; err != nil {
		return nil, fmt.Errorf("read %s: %w", p, err)
	}
	return s.memStorage.Read(ctx, p)
}

func TestReadOrdered(t *testing.T) {
	const n = 40
	mem := memStorage{}
	var paths []string
	for i := range n {
		p := fmt.Sprintf("obj-%0*d", 1+i%5, i) // varied lengths → varied delays
		mem[p] = []byte(p)
		paths = append(paths, p)
	}
	tests := []struct {
		name     string
		limit    int
		fail     string
		wantErr  error
		wantSeen int
	}{
		{"all in order", 8, "", nil, n},
		{"limit one", 1, "", nil, n},
		{"failure names the object", 8, paths[17], errUnavailable, 17},
		{"first fails", 4, paths[0], errUnavailable, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := &slowStorage{memStorage: mem, fail: map[string]error{}}
			if tc.fail != "" {
				st.fail[tc.fail] = errUnavailable
			}
			var seen []string
			err := readOrdered(context.Background(), st, paths, tc.limit, "commit", func(i int, data []byte) error {
				if string(data) != paths[i] {
					t.Fatalf("position %d got %q", i, data)
				}
				seen = append(seen, paths[i])
				return nil
			})
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if err != nil && !strings.Contains(err.Error(), tc.fail) {
				t.Errorf("error %q does not name %s", err, tc.fail)
			}
			if len(seen) != tc.wantSeen {
				t.Errorf("fn saw %d objects, want %d", len(seen), tc.wantSeen)
			}
			if p := st.peak.Load(); p > int32(tc.limit) {
				t.Errorf("%d reads in flight, limit %d", p, tc.limit)
			}
			if st.inFlight.Load() != 0 {
				t.Errorf("reads still running after return")
			}
		})
	}
}

// TestReplayConcurrentCommits: a snapshot over a slow store matches the
// local one, and one unreadable commit fails the snapshot naming it.
func TestReplayConcurrentCommits(t *testing.T) {
	ctx := context.Background()
	dir := copyTable(t, "basic-with-inserts-deletes-checkpoint")
	local, err := openDir(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	want, err := local.Snapshot(ctx, AtVersion(9)) // commits 0..9, no checkpoint
	if err != nil {
		t.Fatal(err)
	}
	mem := memStorage{}
	files, err := local.Storage().List(ctx, logDir, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		b, err := local.Storage().Read(ctx, f.Path)
		if err != nil {
			t.Fatal(err)
		}
		mem[f.Path] = b
	}
	for _, limit := range []int{1, 3, 32} {
		st := &slowStorage{memStorage: mem, fail: map[string]error{}}
		tbl, err := Open(ctx, st, dir, WithConcurrency(limit))
		if err != nil {
			t.Fatal(err)
		}
		got, err := tbl.Snapshot(ctx, AtVersion(9))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(got.Files.Paths, ",") != strings.Join(want.Files.Paths, ",") || got.Version != want.Version {
			t.Errorf("limit %d: files differ from the sequential local replay", limit)
		}
		if st.peak.Load() > int32(limit) {
			t.Errorf("limit %d: %d reads in flight", limit, st.peak.Load())
		}
		bad := logDir + commitName(4)
		st.fail[bad] = errUnavailable
		_, err = tbl.Snapshot(ctx, AtVersion(9))
		if !errors.Is(err, errUnavailable) || !strings.Contains(err.Error(), bad) || errors.Is(err, ErrCorruptLog) {
			t.Errorf("limit %d: err = %v, want the 503 naming %s", limit, err, bad)
		}
	}
}

// TestLatestMetadata: the metadata-only read a timestamp search does finds
// the same metaData as a full replay, from a commit or from the checkpoint.
func TestLatestMetadata(t *testing.T) {
	ctx := context.Background()
	for _, name := range []string{"basic-with-inserts-deletes-checkpoint", "multi-part-checkpoint", "app-txn-checkpoint", "basic_partitioned", "data-reader-timestamp_ntz-name-mode"} {
		t.Run(name, func(t *testing.T) {
			tbl, err := openDir(ctx, copyTable(t, name))
			if err != nil {
				t.Fatal(err)
			}
			l, err := listLog(ctx, tbl.st, -1)
			if err != nil {
				t.Fatal(err)
			}
			seg, err := l.segment(-1)
			if err != nil {
				t.Fatal(err)
			}
			full, err := tbl.replaySegment(ctx, seg)
			if err != nil {
				t.Fatal(err)
			}
			got, err := tbl.latestMetadata(ctx, seg)
			if err != nil {
				t.Fatal(err)
			}
			if got.ID != full.Metadata.ID || got.SchemaString != full.Metadata.SchemaString || fmt.Sprint(got.Configuration) != fmt.Sprint(full.Metadata.Configuration) {
				t.Errorf("metadata %+v, full replay %+v", got, full.Metadata)
			}
		})
	}
}
