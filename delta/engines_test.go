package delta_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/deltaplan/deltaplan/delta"
	"github.com/deltaplan/deltaplan/scanunit"
	"github.com/deltaplan/deltaplan/storage"
)

// writeLog writes commits (one string of JSON lines per version) under
// dir/_delta_log and returns dir.
func writeLog(t *testing.T, commits ...string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "_delta_log"), 0o755); err != nil {
		t.Fatal(err)
	}
	for v, c := range commits {
		if err := os.WriteFile(filepath.Join(dir, "_delta_log", fmt.Sprintf("%020d.json", v)), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func snapshotOf(t *testing.T, dir string) (*delta.Snapshot, error) {
	t.Helper()
	ctx := context.Background()
	tbl, err := openLocal(ctx, dir)
	if err != nil {
		return nil, err
	}
	return tbl.Snapshot(ctx)
}

const (
	proto1 = `{"protocol":{"minReaderVersion":1,"minWriterVersion":2}}`
	proto3 = `{"protocol":{"minReaderVersion":3,"minWriterVersion":7,"readerFeatures":[%s],"writerFeatures":[%s]}}`
)

func meta(schema, partCols, conf string) string {
	return fmt.Sprintf(`{"metaData":{"id":"t","format":{"provider":"parquet"},"schemaString":%q,"partitionColumns":[%s],"configuration":{%s}}}`, schema, partCols, conf)
}

func add(path, pv, stats string) string {
	return fmt.Sprintf(`{"add":{"path":%q,"partitionValues":{%s},"size":10,"modificationTime":1,"dataChange":true,"stats":%s}}`, path, pv, stats)
}

// TestStatsNull: "stats": "null" (written by some engines) means no
// statistics, not a malformed log.
func TestStatsNull(t *testing.T) {
	schema := `{"type":"struct","fields":[{"name":"x","type":"long","nullable":true,"metadata":{}}]}`
	dir := writeLog(t, proto1+"\n"+meta(schema, "", "")+"\n"+add("a.parquet", "", `"null"`)+"\n"+add("b.parquet", "", `" null "`)+"\n")
	s, err := snapshotOf(t, dir)
	if err != nil {
		t.Fatalf("should read: stats \"null\" means no statistics: %v", err)
	}
	if s.Files.Len() != 2 || s.NumRecords != nil || len(s.Files.Stats) != 0 {
		t.Errorf("files %d numRecords %v stats %d: want 2 files without statistics", s.Files.Len(), s.NumRecords, len(s.Files.Stats))
	}
}

// TestPartitionValuesRealEngines: values real engines wrote load; the ones
// the reader cannot type are listed raw and never pruned away.
func TestPartitionValuesRealEngines(t *testing.T) {
	schema := `{"type":"struct","fields":[{"name":"p","type":"timestamp_ntz","nullable":true,"metadata":{"delta.typeChanges":[{"fromType":"date","toType":"timestamp_ntz"}]}},{"name":"x","type":"long","nullable":true,"metadata":{}}]}`
	values := []struct {
		raw    string
		want   time.Time // zero: cannot be typed
		reason string
	}{
		{"2024-06-19", time.Date(2024, 6, 19, 0, 0, 0, 0, time.UTC), "a date written before the column widened to timestamp_ntz is its midnight"},
		{"-9999-12-31 23:59:59.999999", time.Date(-9999, 12, 31, 23, 59, 59, 999999000, time.UTC), "Databricks' minimum sentinel (negative year)"},
		{"10000-01-01 00:00:00", time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), "Databricks' maximum sentinel (five-digit year)"},
		{"2024-06-19 10:11:12.5", time.Date(2024, 6, 19, 10, 11, 12, 500000000, time.UTC), "an ordinary value"},
		{"the nineteenth", time.Time{}, "not a timestamp: listed raw, never pruned"},
	}
	lines := []string{proto1, meta(schema, `"p"`, "")}
	for i, v := range values {
		lines = append(lines, add(fmt.Sprintf("f%d.parquet", i), fmt.Sprintf(`"p":%q`, v.raw), `"{\"numRecords\":1}"`))
	}
	s, err := snapshotOf(t, writeLog(t, strings.Join(lines, "\n")))
	if err != nil {
		t.Fatalf("should read: every value is one a real engine wrote: %v", err)
	}
	pc := s.Files.Partitions[0]
	for i, v := range values {
		if pc.Raw[i] != v.raw {
			t.Errorf("%s: raw %q, want %q", v.reason, pc.Raw[i], v.raw)
		}
		if v.want.IsZero() {
			if !pc.IsUndecoded(i) {
				t.Errorf("%s: should be marked undecoded", v.reason)
			}
			continue
		}
		if pc.IsUndecoded(i) || !pc.Values.Valid[i] || pc.Values.Ints[i] != v.want.UnixMicro() {
			t.Errorf("%s: got %d (undecoded %v), want %d", v.reason, pc.Values.Ints[i], pc.IsUndecoded(i), v.want.UnixMicro())
		}
	}
	// Pruning stays sound: every filter keeps the file it cannot type.
	for _, f := range []string{"p = TIMESTAMP '2024-06-19 00:00:00'", "p IS NULL", "p < TIMESTAMP '1000-01-01 00:00:00'", "NOT (p IS NOT NULL)"} {
		pred, err := scanunit.ParseFilter(f)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		pr, err := scanunit.NewPruner(pred, scanunit.SchemaOf(s.Files))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		verdicts, err := pr.Eval(s.Files)
		if err != nil {
			t.Fatal(err)
		}
		if verdicts[4] == scanunit.CannotMatch {
			t.Errorf("%s: dropped the file whose value cannot be typed", f)
		}
		one, err := pr.EvalFile(s.Files, 4)
		if err != nil || one == scanunit.CannotMatch {
			t.Errorf("%s: per-file evaluator dropped the file whose value cannot be typed (%v)", f, err)
		}
	}
}

// TestTypeChanges: widenings of the protocol's table read; any other
// recorded change is refused naming the column and the change.
func TestTypeChanges(t *testing.T) {
	field := func(typ, changes string) string {
		return fmt.Sprintf(`{"type":"struct","fields":[{"name":"s","type":{"type":"struct","fields":[{"name":"c","type":%q,"nullable":true,"metadata":{"delta.typeChanges":[%s]}}]},"nullable":true,"metadata":{}}]}`, typ, changes)
	}
	tests := []struct {
		name, typ, changes string
		refused            bool
	}{
		{"should read: integer to long is in the widening table", "long", `{"fromType":"integer","toType":"long"}`, false},
		{"should read: two steps byte to short to integer", "integer", `{"fromType":"byte","toType":"short"},{"fromType":"short","toType":"integer"}`, false},
		{"should read: decimal(10,2) to decimal(12,3)", "decimal(12,3)", `{"fromType":"decimal(10,2)","toType":"decimal(12,3)"}`, false},
		{"should read: long to decimal(20,0)", "decimal(20,0)", `{"fromType":"long","toType":"decimal(20,0)"}`, false},
		{"should read: date to timestamp_ntz", "timestamp_ntz", `{"fromType":"date","toType":"timestamp_ntz"}`, false},
		{"should refuse: string to integer is no widening", "integer", `{"fromType":"string","toType":"integer"}`, true},
		{"should refuse: long to integer narrows", "integer", `{"fromType":"long","toType":"integer"}`, true},
		{"should refuse: decimal scale grows more than precision", "decimal(11,3)", `{"fromType":"decimal(10,1)","toType":"decimal(11,3)"}`, true},
		{"should refuse: long to double loses precision", "double", `{"fromType":"long","toType":"double"}`, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := fmt.Sprintf(proto3, `"typeWidening"`, `"typeWidening"`)
			_, err := snapshotOf(t, writeLog(t, p+"\n"+meta(field(tc.typ, tc.changes), "", "")+"\n"))
			if !tc.refused {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var tce *delta.TypeChangeError
			if !errors.As(err, &tce) || !errors.Is(err, delta.ErrUnsupportedTypeChange) {
				t.Fatalf("got %v, want a TypeChangeError", err)
			}
			if tce.Column != "s.c" || !strings.Contains(err.Error(), "s.c") || !strings.Contains(err.Error(), tce.From+" to "+tce.To) {
				t.Errorf("error %q does not name column s.c and the change", err)
			}
		})
	}
}

// TestReaderFeatures: variant tables read (their statistics unused); a
// catalog-managed table is refused saying a catalog is required.
func TestReaderFeatures(t *testing.T) {
	schema := `{"type":"struct","fields":[{"name":"v","type":"variant","nullable":true,"metadata":{}},{"name":"x","type":"long","nullable":true,"metadata":{}}]}`
	stats := `"{\"numRecords\":2,\"minValues\":{\"v\":\"a\",\"x\":1},\"maxValues\":{\"v\":\"z\",\"x\":2},\"nullCount\":{\"v\":0,\"x\":0}}"`
	for _, f := range []string{"variantType", "variantType-preview", "variantShredding-preview"} {
		t.Run("should read: "+f, func(t *testing.T) {
			feats := `"` + f + `"`
			if strings.HasPrefix(f, "variantShredding") {
				feats = `"variantType","` + f + `"`
			}
			s, err := snapshotOf(t, writeLog(t, fmt.Sprintf(proto3, feats, feats)+"\n"+meta(schema, "", "")+"\n"+add("a.parquet", "", stats)+"\n"))
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range s.Files.Stats {
				if c.Path.String() == "v" {
					t.Errorf("statistics of a variant column must be ignored, got %+v", c)
				}
			}
			as, err := s.Metadata.Schema.ArrowSchema()
			if err != nil {
				t.Fatal(err)
			}
			if got := as.Field(0).Type.String(); got != "struct<value: binary, metadata: binary>" {
				t.Errorf("variant as Arrow %s, want the protocol's struct of binary value/metadata", got)
			}
		})
	}
	for _, f := range []string{"catalogManaged", "catalogOwned-preview"} {
		t.Run("should refuse: "+f, func(t *testing.T) {
			_, err := snapshotOf(t, writeLog(t, fmt.Sprintf(proto3, `"`+f+`"`, `"`+f+`"`)+"\n"+meta(schema, "", "")+"\n"))
			var ce *delta.CatalogRequiredError
			if !errors.As(err, &ce) || !errors.Is(err, delta.ErrCatalogRequired) || !errors.Is(err, delta.ErrUnsupportedReaderFeature) {
				t.Fatalf("got %v, want a CatalogRequiredError", err)
			}
			if !strings.Contains(err.Error(), f) || !strings.Contains(err.Error(), "catalog") {
				t.Errorf("error %q should name %s and say a catalog is required", err, f)
			}
		})
	}
}

// TestInCommitTimestampUnderCheckpoint: a version whose state comes from
// its checkpoint alone is still dated by its commit's in-commit timestamp.
func TestInCommitTimestampUnderCheckpoint(t *testing.T) {
	schema := `{"type":"struct","fields":[{"name":"x","type":"long","nullable":true,"metadata":{}}]}`
	p := `{"protocol":{"minReaderVersion":3,"minWriterVersion":7,"readerFeatures":["v2Checkpoint"],"writerFeatures":["v2Checkpoint","inCommitTimestamp"]}}`
	m := meta(schema, "", `"delta.enableInCommitTimestamps":"true"`)
	c0 := `{"commitInfo":{"inCommitTimestamp":1700000000000}}` + "\n" + p + "\n" + m + "\n"
	c1 := `{"commitInfo":{"inCommitTimestamp":1700000005000}}` + "\n" + add("a.parquet", "", `"{\"numRecords\":1}"`) + "\n"
	dir := writeLog(t, c0, c1)
	cp := `{"checkpointMetadata":{"version":1}}` + "\n" + p + "\n" + m + "\n" + add("a.parquet", "", `"{\"numRecords\":1}"`) + "\n"
	if err := os.WriteFile(filepath.Join(dir, "_delta_log", "00000000000000000001.checkpoint.80a083e8-7026-4e79-81be-64bd76c43a11.json"), []byte(cp), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := snapshotOf(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	if s.CheckpointVersion == nil || *s.CheckpointVersion != 1 {
		t.Fatalf("checkpoint %v, want the version covered by checkpoint 1", s.CheckpointVersion)
	}
	if s.TimestampMs != 1700000005000 {
		t.Errorf("timestamp %d, want commit 1's in-commit timestamp 1700000005000, not a file time", s.TimestampMs)
	}
}

// openLocal opens a table in a local directory.
func openLocal(ctx context.Context, dir string) (*delta.Table, error) {
	return storage.OpenTable(ctx, dir)
}
