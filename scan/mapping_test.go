package scan

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/deltaplan/deltaplan/internal/fixtures"
)

// rowsText reads a whole table into sorted row strings.
func rowsText(t *testing.T, dir string) ([]string, string) {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	tab := openTable(t, dir)
	schema, seq, err := Snapshot(context.Background(), tab, Options{Allocator: mem})
	if err != nil {
		t.Fatal(err)
	}
	var rows []string
	for rec, err := range seq {
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < int(rec.NumRows()); i++ {
			var cells []string
			for c := 0; c < int(rec.NumCols()); c++ {
				cells = append(cells, rec.Column(c).ValueStr(i))
			}
			rows = append(rows, strings.Join(cells, "|"))
		}
		rec.Release()
	}
	slices.Sort(rows)
	return rows, schema.String()
}

// TestColumnMappingValues: tables written with column mapping by name and
// by id read the same values as the same data without mapping, so the
// physical names and field ids were followed (a missed field would read
// as nulls and still count right).
func TestColumnMappingValues(t *testing.T) {
	root := fixtures.Dir(t, "delta")
	base, _ := rowsText(t, filepath.Join(root, "data-skipping-basic-stats-all-types"))
	for _, name := range []string{"data-skipping-basic-stats-all-types-columnmapping-name", "data-skipping-basic-stats-all-types-columnmapping-id"} {
		got, _ := rowsText(t, filepath.Join(root, name))
		if fmt.Sprint(got) != fmt.Sprint(base) {
			t.Errorf("%s should read the same rows as the unmapped table:\n got %v\nwant %v", name, got, base)
		}
	}
	ntz, _ := rowsText(t, filepath.Join(root, "data-reader-timestamp_ntz"))
	ntzName, _ := rowsText(t, filepath.Join(root, "data-reader-timestamp_ntz-name-mode"))
	if fmt.Sprint(ntz) != fmt.Sprint(ntzName) {
		t.Errorf("timestamp_ntz with name mapping should read as without:\n got %v\nwant %v", ntzName, ntz)
	}
	// A mapped table with deletion vectors has values, not just nulls.
	dv, _ := rowsText(t, filepath.Join(root, "dv-with-columnmapping"))
	for _, r := range dv {
		if strings.Count(r, "(null)") == strings.Count(r, "|")+1 {
			t.Fatalf("dv-with-columnmapping: an all-null row %q: the mapping was not followed", r)
		}
	}
}
