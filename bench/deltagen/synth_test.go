package deltagen

import (
	"context"
	"testing"

	"github.com/deltaplan/deltaplan/storage"
)

// TestGeneratedLogsReplay writes small logs of each shape and checks the
// reader reconstructs exactly the generated state.
func TestGeneratedLogsReplay(t *testing.T) {
	tests := []struct {
		name string
		spec Spec
		json bool
	}{
		{"checkpoint plus commits", Spec{Files: 500, Commits: 5, AddsPerCommit: 3, RemovesPerCommit: 2, StatsColumns: 4, Partitions: 7}, false},
		{"multi-part checkpoint", Spec{Files: 300, Commits: 2, AddsPerCommit: 1, RemovesPerCommit: 1, StatsColumns: 2, CheckpointParts: 3}, false},
		{"json only", Spec{Files: 200, Commits: 4, StatsColumns: 10}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			var res Result
			var err error
			if tc.json {
				res, err = GenerateJSON(dir, tc.spec)
			} else {
				res, err = GenerateCheckpointed(dir, tc.spec)
			}
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			tbl, err := storage.OpenTable(ctx, dir)
			if err != nil {
				t.Fatal(err)
			}
			s, err := tbl.Snapshot(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if s.Version != res.Version || s.Files.Len() != res.ActiveFiles {
				t.Fatalf("version %d with %d files, want %d with %d", s.Version, s.Files.Len(), res.Version, res.ActiveFiles)
			}
			if got := len(s.Files.Stats); got != tc.spec.StatsColumns {
				t.Errorf("%d stats columns, want %d", got, tc.spec.StatsColumns)
			}
			if s.NumRecords == nil {
				t.Errorf("num_records unknown")
			}
			if tc.spec.Partitions > 0 && (len(s.Files.Partitions) != 1 || !s.Files.Partitions[0].RawValid[0]) {
				t.Errorf("partition column missing")
			}
			// Stats round-trip: file with min c0000 = i*10 has max i*10+100.
			c := s.Files.Stats[0]
			for i := range c.Min.Ints {
				if !c.Min.Valid[i] || c.Max.Ints[i] != c.Min.Ints[i]+100 {
					t.Fatalf("file %s: min %d max %d", s.Files.Paths[i], c.Min.Ints[i], c.Max.Ints[i])
				}
			}
		})
	}
}
