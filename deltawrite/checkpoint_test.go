package deltawrite_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/deltaplan/deltaplan/delta"
	"github.com/deltaplan/deltaplan/deltawrite"
)

// copyLog copies the _delta_log of src to a new table dir, without
// checkpoints and _last_checkpoint when plain is set.
func copyLog(t *testing.T, src string, plain bool) string {
	t.Helper()
	dst := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dst, "_delta_log"), 0o755); err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir(filepath.Join(src, "_delta_log"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if plain && (strings.Contains(e.Name(), "checkpoint")) {
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, "_delta_log", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, "_delta_log", e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// TestCheckpointEqualsReplay: a snapshot replayed from a checkpoint equals
// the one replayed from the JSON commits alone, at the checkpoint and past
// it, across a schema change.
func TestCheckpointEqualsReplay(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := context.Background()
	dir := t.TempDir()
	var ckpts []int64
	tbl, err := deltawrite.Create(ctx, deltawrite.Local(dir), allTypes(), deltawrite.WithCheckpointInterval(3),
		deltawrite.WithConfiguration(map[string]string{"owner": "tests"}),
		deltawrite.WithCheckpointHook(func(v int64, err error) {
			if err != nil {
				t.Errorf("checkpoint %d: %v", v, err)
			}
			ckpts = append(ckpts, v)
		}))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 4; i++ {
		rec := makeRecord(mem, i, 5+i)
		if _, err := tbl.Append(ctx, rec); err != nil {
			t.Fatal(err)
		}
		rec.Release()
	}
	// Version 5 adds a column; 6 and 7 are appends with it (6 checkpoints).
	v, err := tbl.AddColumns(ctx, arrow.Field{Name: "extra", Type: arrow.BinaryTypes.String})
	if err != nil || v != 5 {
		t.Fatalf("AddColumns: version %d, %v", v, err)
	}
	if got := tbl.Schema(); got.NumFields() != allTypes().NumFields()+1 || got.Field(got.NumFields()-1).Name != "extra" || !got.Field(got.NumFields()-1).Nullable {
		t.Fatalf("schema after AddColumns: %v", got)
	}
	for i := 0; i < 2; i++ {
		rec := withExtra(t, mem, tbl.Schema(), makeRecord(mem, 10+i, 9))
		if _, err := tbl.Append(ctx, rec); err != nil {
			t.Fatal(err)
		}
		rec.Release()
	}
	if !reflect.DeepEqual(ckpts, []int64{3, 6}) {
		t.Fatalf("checkpoints at %v, want [3 6]", ckpts)
	}
	var last struct {
		Version int64 `json:"version"`
		Size    int64 `json:"size"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "_delta_log", "_last_checkpoint"))
	if err != nil || json.Unmarshal(b, &last) != nil || last.Version != 6 || last.Size != 2+5 {
		t.Fatalf("_last_checkpoint %s (%v), want version 6 with 7 rows (protocol, metaData, 5 adds)", b, err)
	}
	plain := copyLog(t, dir, true)
	for _, tc := range []struct {
		version, ckpt int64
	}{{3, 3}, {4, 3}, {6, 6}, {7, 6}} {
		fromCkpt := snapshot(t, dir, delta.AtVersion(tc.version))
		fromJSON := snapshot(t, plain, delta.AtVersion(tc.version))
		if fromCkpt.CheckpointVersion == nil || *fromCkpt.CheckpointVersion != tc.ckpt || fromJSON.CheckpointVersion != nil {
			t.Fatalf("version %d: replay started at %v / %v, want checkpoint %d / none", tc.version, fromCkpt.CheckpointVersion, fromJSON.CheckpointVersion, tc.ckpt)
		}
		same := func(what string, a, b any) {
			if !reflect.DeepEqual(a, b) {
				t.Errorf("version %d: %s differs:\ncheckpoint %+v\njson       %+v", tc.version, what, a, b)
			}
		}
		same("files", fromCkpt.Files, fromJSON.Files)
		same("metadata", fromCkpt.Metadata, fromJSON.Metadata)
		same("protocol", fromCkpt.Protocol, fromJSON.Protocol)
		same("num_records", fromCkpt.NumRecords, fromJSON.NumRecords)
		same("size_bytes", fromCkpt.SizeBytes, fromJSON.SizeBytes)
		same("app_transactions", fromCkpt.AppTransactions, fromJSON.AppTransactions)
	}
	// A reopened handle sees the new schema and keeps appending.
	again, err := deltawrite.Open(ctx, deltawrite.Local(dir))
	if err != nil {
		t.Fatal(err)
	}
	if again.Version() != 7 || again.Schema().NumFields() != allTypes().NumFields()+1 {
		t.Fatalf("reopened at %d with %d columns", again.Version(), again.Schema().NumFields())
	}
}
