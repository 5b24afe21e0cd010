package scan

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/deltaplan/deltaplan/model"
	"github.com/deltaplan/deltaplan/scan/scantest"
)

// TestTypeWidening: files written before a type change (integer -> long,
// date -> timestamp_ntz, as the typeWidening feature allows) read as the
// table's new types with the same values, and filters compare in the new
// type.
func TestTypeWidening(t *testing.T) {
	g := genTable(t, scantest.Spec{Files: 2, RowsPerFile: 300, Seed: 21})
	before, _ := rowsText(t, g.Dir)
	logPath := filepath.Join(g.Dir, "_delta_log", "00000000000000000000.json")
	data, _ := os.ReadFile(logPath)
	s := strings.Replace(string(data), `\"name\":\"k\",\"type\":\"integer\"`, `\"name\":\"k\",\"type\":\"long\"`, 1)
	s = strings.Replace(s, `\"name\":\"d\",\"type\":\"date\"`, `\"name\":\"d\",\"type\":\"timestamp_ntz\"`, 1)
	if s == string(data) {
		t.Fatal("schema string not found in the log")
	}
	os.WriteFile(logPath, []byte(s), 0o644)
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	tab := openTable(t, g.Dir)
	schema, seq, err := Snapshot(context.Background(), tab, Options{Allocator: mem, Columns: []string{"k", "d"}})
	if err != nil {
		t.Fatal(err)
	}
	if !arrow.TypeEqual(schema.Field(0).Type, arrow.PrimitiveTypes.Int64) || schema.Field(1).Type.ID() != arrow.TIMESTAMP {
		t.Fatalf("schema should carry the widened types: %s", schema)
	}
	n := 0
	for rec, err := range seq {
		if err != nil {
			t.Fatal(err)
		}
		k := rec.Column(0).(*array.Int64)
		d := rec.Column(1).(*array.Timestamp)
		for i := 0; i < k.Len(); i++ {
			if !d.IsNull(i) && int64(d.Value(i))%(86400*1e6) != 0 {
				t.Fatalf("date widened to %d µs: not midnight", d.Value(i))
			}
		}
		n += k.Len()
		rec.Release()
	}
	if n != 600 || len(before) != 600 {
		t.Fatalf("rows %d, before %d", n, len(before))
	}
	c, err := count(t, tab, nil, Options{Filter: model.Cmp{Col: model.Col("d"), Op: model.OpGe, Val: model.TimestampNTZValue(19723 * 86400 * 1e6)}})
	if err != nil || c != 600 {
		t.Fatalf("every widened date is on or after 2024-01-01: %d, %v", c, err)
	}
}
