package delta

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync/atomic"
	"testing"
)

// loadMem copies a fixture table's _delta_log into memory.
func loadMem(t *testing.T, name string) memStorage {
	t.Helper()
	ctx := context.Background()
	tbl, err := openDir(ctx, copyTable(t, name))
	if err != nil {
		t.Fatal(err)
	}
	files, err := tbl.Storage().List(ctx, logDir, "")
	if err != nil {
		t.Fatal(err)
	}
	mem := memStorage{}
	for _, f := range files {
		if mem[f.Path], err = tbl.Storage().Read(ctx, f.Path); err != nil {
			t.Fatal(err)
		}
	}
	return mem
}

// rangeFaults breaks byte-range reads of one object after `after` good ones.
type rangeFaults struct {
	memStorage
	path  string
	after int32
	n     atomic.Int32
	err   error // returned as is, or
	short bool  // answer with half the bytes asked for
}

func (s *rangeFaults) ReadRange(ctx context.Context, p string, off, n int64) ([]byte, error) {
	b, err := s.memStorage.ReadRange(ctx, p, off, n)
	if err != nil || p != s.path || s.n.Add(1) <= s.after {
		return b, err
	}
	if s.short {
		return b[:len(b)/2], nil
	}
	return nil, s.err
}

// TestCheckpointErrorCauses: a failed or short read of a checkpoint keeps
// its cause and is not ErrCorruptLog; malformed bytes are.
func TestCheckpointErrorCauses(t *testing.T) {
	const cp = "_delta_log/00000000000000000010.checkpoint.parquet"
	base := loadMem(t, "basic-with-inserts-deletes-checkpoint")
	garbage := memStorage{}
	for k, v := range base {
		garbage[k] = v
	}
	junk := []byte(strings.Repeat("x", len(base[cp])-8) + "\x10\x00\x00\x00PAR1")
	garbage[cp] = junk
	tests := []struct {
		name        string
		st          Storage
		want        error
		wantCorrupt bool
	}{
		{"503 on the footer", &rangeFaults{memStorage: base, path: cp, err: errUnavailable}, errUnavailable, false},
		{"503 on a column chunk", &rangeFaults{memStorage: base, path: cp, after: 2, err: errUnavailable}, errUnavailable, false},
		{"short read", &rangeFaults{memStorage: base, path: cp, short: true}, io.ErrUnexpectedEOF, false},
		{"short read later", &rangeFaults{memStorage: base, path: cp, after: 2, short: true}, io.ErrUnexpectedEOF, false},
		{"malformed bytes", garbage, ErrCorruptLog, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tbl, err := Open(context.Background(), tc.st, "mem")
			if err != nil {
				t.Fatal(err)
			}
			_, err = tbl.Snapshot(context.Background())
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if got := errors.Is(err, ErrCorruptLog); got != tc.wantCorrupt {
				t.Errorf("errors.Is(ErrCorruptLog) = %v for %v", got, err)
			}
			if !strings.Contains(err.Error(), cp) {
				t.Errorf("error %q does not name %s", err, cp)
			}
		})
	}
}
