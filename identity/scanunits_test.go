package identity

import (
	"errors"
	"github.com/deltaplan/deltaplan/model"
	"testing"
)

func TestScanUnitsDigest(t *testing.T) {
	n := int64(10)
	units := func() []ScanUnit {
		return []ScanUnit{
			{ID: "orders/0", Table: "orders", DeltaVersion: 3, Files: []string{"b.parquet", "a.parquet"}, ProjectedColumns: []string{"id"}, Bytes: 100, Records: &n},
			{ID: "lineitem/0", Table: "lineitem", DeltaVersion: 1, Files: []string{"x.parquet"}, PushedFilters: []model.Pred{model.Cmp{Col: model.Col("a"), Op: model.OpGt, Val: model.IntValue(1)}, model.Cmp{Col: model.Col("b"), Op: model.OpEq, Val: model.IntValue(2)}}, Bytes: 5},
		}
	}
	base, err := ScanUnitsDigest(units())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		edit func(us []ScanUnit) []ScanUnit
		same bool
	}{
		{"units and files reordered: same", func(us []ScanUnit) []ScanUnit {
			us[0].Files = []string{"a.parquet", "b.parquet"}
			us[1].PushedFilters = []model.Pred{model.Cmp{Col: model.Col("b"), Op: model.OpEq, Val: model.IntValue(2)}, model.Cmp{Col: model.Col("a"), Op: model.OpGt, Val: model.IntValue(1)}}
			return []ScanUnit{us[1], us[0]}
		}, true},
		{"file removed", func(us []ScanUnit) []ScanUnit { us[0].Files = us[0].Files[:1]; return us }, false},
		{"version moved", func(us []ScanUnit) []ScanUnit { us[1].DeltaVersion = 2; return us }, false},
		{"records unknown", func(us []ScanUnit) []ScanUnit { us[0].Records = nil; return us }, false},
		{"filter added", func(us []ScanUnit) []ScanUnit {
			us[0].PushedFilters = []model.Pred{model.Cmp{Col: model.Col("id"), Op: model.OpLt, Val: model.IntValue(5)}}
			return us
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := ScanUnitsDigest(tt.edit(units()))
			if err != nil {
				t.Fatal(err)
			}
			if (d == base) != tt.same {
				t.Fatalf("same=%v, want %v", d == base, tt.same)
			}
		})
	}
	if _, err := ScanUnitsDigest([]ScanUnit{{ID: "a"}, {ID: "a"}}); !errors.Is(err, ErrInvalidComponents) {
		t.Errorf("duplicate id: %v", err)
	}
	if _, err := ScanUnitsDigest([]ScanUnit{{Table: "t"}}); !errors.Is(err, ErrInvalidComponents) {
		t.Errorf("empty id: %v", err)
	}
	empty, err := ScanUnitsDigest(nil)
	if err != nil || empty.IsZero() {
		t.Errorf("empty list: %v %v", empty, err)
	}
}
