package delta

import (
	"context"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// partsInFlight counts the distinct checkpoint parts being read at once.
type partsInFlight struct {
	memStorage
	mu     sync.Mutex
	active map[string]int
	peak   int
}

func (s *partsInFlight) ReadRange(ctx context.Context, p string, off, n int64) ([]byte, error) {
	if !strings.Contains(p, ".checkpoint.") {
		return s.memStorage.ReadRange(ctx, p, off, n)
	}
	s.mu.Lock()
	s.active[p]++
	s.peak = max(s.peak, len(s.active))
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		if s.active[p]--; s.active[p] == 0 {
			delete(s.active, p)
		}
		s.mu.Unlock()
	}()
	time.Sleep(2 * time.Millisecond) // a round trip
	return s.memStorage.ReadRange(ctx, p, off, n)
}

// TestRemotePartConcurrency: on remote storage checkpoint parts are read
// with more concurrency than GOMAXPROCS, within the WithConcurrency bound.
func TestRemotePartConcurrency(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	mem := loadMem(t, "multi-part-checkpoint") // two parts
	for _, tc := range []struct {
		name     string
		opts     []Option
		wantPeak int
	}{
		{"remote default", nil, 2},
		{"bounded to one", []Option{WithConcurrency(1)}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := &partsInFlight{memStorage: mem, active: map[string]int{}}
			tbl, err := Open(context.Background(), st, "mem", tc.opts...)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := tbl.Snapshot(context.Background()); err != nil {
				t.Fatal(err)
			}
			if st.peak != tc.wantPeak {
				t.Errorf("%d parts read at once, want %d", st.peak, tc.wantPeak)
			}
		})
	}
}

func TestPartConcurrency(t *testing.T) {
	procs := runtime.GOMAXPROCS(0)
	for _, tc := range []struct {
		name string
		st   Storage
		n    int
		want int
	}{
		{"local: one per core", LocalFS{}, 32, procs},
		{"remote: four per core", memStorage{}, 32, min(32, 4*procs)},
		{"remote: bounded by the option", memStorage{}, 1, procs},
	} {
		tbl := &Table{st: tc.st, concurrency: tc.n}
		if got := tbl.partConcurrency(); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.want)
		}
	}
}
