package delta

import (
	"context"
	"errors"
	"testing"
)

// TestProgressEvents: a load reports its listing, every commit and the
// checkpoint bytes, monotonically, and ends with one ProgressDone, on
// local and on remote (byte-range) storage, on success and on failure.
func TestProgressEvents(t *testing.T) {
	const table = "basic-with-inserts-deletes-checkpoint" // checkpoint 10, commits 11..13
	mem := loadMem(t, table)
	tests := []struct {
		name        string
		location    string
		st          Storage // nil: a local copy
		snap        []SnapshotOption
		wantCommits int
		wantCkpt    bool
		wantErr     bool
	}{
		{"local, checkpoint and commits", "", nil, nil, 3, true, false},
		{"remote, checkpoint and commits", "mem", mem, nil, 3, true, false},
		{"local, commits only", "", nil, []SnapshotOption{AtVersion(5)}, 6, false, false},
		{"failure still ends with done", "mem", &slowStorage{memStorage: mem, fail: map[string]error{logDir + commitName(12): errUnavailable}}, nil, 3, false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			loc, st := tc.location, tc.st
			if loc == "" {
				loc = copyTable(t, table)
				st = LocalFS{Root: loc}
			}
			var evs []ProgressEvent
			tbl, err := Open(context.Background(), st, loc, WithProgress(func(ev ProgressEvent) { evs = append(evs, ev) }))
			if err != nil {
				t.Fatal(err)
			}
			evs = nil // Open's own listing is not part of a load
			_, err = tbl.Snapshot(context.Background(), tc.snap...)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v", err)
			}
			if len(evs) < 3 {
				t.Fatalf("%d events", len(evs))
			}
			for i, ev := range evs {
				if ev.Phase == ProgressDone && i != len(evs)-1 {
					t.Errorf("done at event %d of %d", i, len(evs))
				}
				if i > 0 {
					p := evs[i-1]
					if ev.Listed < p.Listed || ev.CommitsRead < p.CommitsRead || ev.CheckpointBytesRead < p.CheckpointBytesRead {
						t.Errorf("event %d goes backwards: %+v after %+v", i, ev, p)
					}
				}
			}
			last := evs[len(evs)-1]
			if last.Phase != ProgressDone || last.Listed == 0 || last.Commits != tc.wantCommits {
				t.Errorf("last event %+v", last)
			}
			if !tc.wantErr && last.CommitsRead != tc.wantCommits {
				t.Errorf("read %d commits, want %d", last.CommitsRead, tc.wantCommits)
			}
			if got := last.CheckpointBytesRead > 0; got != tc.wantCkpt || (!tc.wantErr && (last.CheckpointBytes > 0) != tc.wantCkpt) {
				t.Errorf("checkpoint bytes %d of %d", last.CheckpointBytesRead, last.CheckpointBytes)
			}
		})
	}
}

// TestProgressKeepsStorage: the progress wrapper is invisible to callers.
func TestProgressKeepsStorage(t *testing.T) {
	mem := loadMem(t, "basic-with-inserts-deletes-checkpoint")
	st := &slowStorage{memStorage: mem}
	tbl, err := Open(context.Background(), st, "s3://b/t", WithProgress(func(ProgressEvent) {}))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := tbl.Storage().(*slowStorage); !ok {
		t.Errorf("Storage() = %T", tbl.Storage())
	}
	if tbl.root != "s3://b/t" {
		t.Errorf("root %q", tbl.root)
	}
	if _, err := tbl.Snapshot(context.Background()); errors.Is(err, ErrCorruptLog) || err != nil {
		t.Fatal(err)
	}
}
