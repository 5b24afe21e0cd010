package planbundle

import (
	"context"
	"errors"
	"math/big"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deltaplan/deltaplan/internal/fixtures"
	"github.com/deltaplan/deltaplan/lineage"
	"github.com/deltaplan/deltaplan/model"
	"github.com/deltaplan/deltaplan/scanunit"
	"github.com/deltaplan/deltaplan/storage"
)

// TestPrunePushedFilters: a plan's pushed filter is pruned by the files
// evaluator, with names resolved ignoring case; a literal that cannot be its
// column's type is an error naming the filter and column, never keep-all;
// a column the table lacks is left out.
func TestPrunePushedFilters(t *testing.T) {
	ctx := context.Background()
	tbl, err := storage.OpenTable(ctx, filepath.Join(fixtures.Dir(t, "delta"), "stats-writing-all-types"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := tbl.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		pushed  model.Pred
		kept    int // -1: expect an error
		errWant error
		why     string
	}{
		{model.Cmp{Col: model.Col("INT_COL"), Op: model.OpGt, Val: model.IntValue(6000)}, 0, nil, "case-insensitive name; above the max"},
		{model.Cmp{Col: model.Col("float_col"), Op: model.OpGe, Val: model.DecimalValue(bigInt(314000001), 8)}, 1, nil, "float32 max 3.1400001"},
		{model.Cmp{Col: model.Col("int_col"), Op: model.OpGt, Val: model.StringValue("abc")}, -1, scanunit.ErrLiteralType, "a string cannot be an integer"},
		{model.Cmp{Col: model.Col("no_such"), Op: model.OpGt, Val: model.IntValue(1)}, 1, nil, "unknown column: left out, keeps more"},
	}
	for _, tc := range tests {
		vs, err := prune(lineage.Read{Table: "t", Pushed: []model.Pred{tc.pushed}}, s)
		if tc.kept < 0 {
			if !errors.Is(err, tc.errWant) || !strings.Contains(err.Error(), "int_col") {
				t.Errorf("%s: err %v, want %v naming the column: %s", tc.pushed, err, tc.errWant, tc.why)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tc.pushed, err)
		}
		kept := 0
		for i := 0; i < s.Files.Len(); i++ {
			if vs == nil || vs[i].Keep() {
				kept++
			}
		}
		if kept != tc.kept {
			t.Errorf("%s: kept %d, want %d: %s", tc.pushed, kept, tc.kept, tc.why)
		}
	}
}

func bigInt(n int64) *big.Int { return big.NewInt(n) }
