package scan

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/deltaplan/deltaplan/internal/fixtures"
	"github.com/deltaplan/deltaplan/storage"
)

type manifestTable struct {
	Name                   string `json:"name"`
	Path                   string `json:"path"`
	ExpectedLogicalRows    *int64 `json:"expected_logical_rows"`
	GoldenRowsWithoutStats *int64 `json:"golden_rows_without_stats"`
	MustFail               string `json:"must_fail"`
}

func loadManifest(t *testing.T) (string, []manifestTable) {
	t.Helper()
	root := fixtures.Dir(t, "delta")
	data, err := os.ReadFile(filepath.Join(root, "MANIFEST.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct{ Tables []manifestTable }
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return root, m.Tables
}

func openTable(t testing.TB, dir string) Table {
	t.Helper()
	tab, err := storage.OpenTable(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	s, err := tab.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return Table{Storage: tab.Storage(), Snapshot: s}
}

// TestFixtureLogicalRows: reading every column of every shared fixture
// table yields exactly the rows the golden output has (deletion vectors
// applied); counting without columns agrees.
func TestFixtureLogicalRows(t *testing.T) {
	root, tables := loadManifest(t)
	checked := 0
	for _, mt := range tables {
		want := mt.ExpectedLogicalRows
		if want == nil {
			want = mt.GoldenRowsWithoutStats
		}
		if want == nil || mt.MustFail != "" {
			continue
		}
		checked++
		t.Run(mt.Name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
			defer mem.AssertSize(t, 0)
			tab := openTable(t, filepath.Join(root, mt.Path))
			_, seq, err := Snapshot(context.Background(), tab, Options{Allocator: mem, Concurrency: 2})
			if err != nil {
				t.Fatal(err)
			}
			var rows int64
			for rec, err := range seq {
				if err != nil {
					t.Fatal(err)
				}
				rows += rec.NumRows()
				rec.Release()
			}
			if rows != *want {
				t.Fatalf("read %d rows, the golden output has %d", rows, *want)
			}
			n, err := Count(context.Background(), tab, nil, Options{Allocator: mem})
			if err != nil {
				t.Fatal(err)
			}
			if n != *want {
				t.Fatalf("count %d, want %d", n, *want)
			}
		})
	}
	if checked < 32 {
		t.Fatalf("checked %d tables; the manifest should give at least 32", checked)
	}
}
