package workflow

import (
	"errors"
	"github.com/deltaplan/deltaplan/model"
	"testing"

	"github.com/deltaplan/deltaplan/planbundle"
)

// TestScanContent: a unit's content covers what it reads and nothing else.
func TestScanContent(t *testing.T) {
	base := planbundle.ScanUnit{ID: "id", Table: "sales", DeltaVersion: 3, Files: []string{"region=EU/a.parquet", "region=EU/b.parquet"},
		Sizes: []int64{10, 20}, DVIDs: []string{"", ""}, Partition: []string{"region=EU"},
		ProjectedColumns: []string{"amount"}, PushedFilters: []model.Pred{model.Cmp{Col: model.Col("amount"), Op: model.OpGt, Val: model.IntValue(1)}}}
	digest := func(tid string, u planbundle.ScanUnit) string {
		t.Helper()
		sc, err := newScanContent(tid, u)
		if err != nil {
			t.Fatal(err)
		}
		return sc.content
	}
	want := digest("tid", base)
	same := base
	same.DeltaVersion, same.ID, same.Records, same.Bytes = 9, "other id", new(int64), 99
	if digest("tid", same) != want {
		t.Error("version, unit id, records or bytes changed the content")
	}
	changes := map[string]func(u *planbundle.ScanUnit) string{
		"table id": func(u *planbundle.ScanUnit) string { return "tid2" },
		"file": func(u *planbundle.ScanUnit) string {
			u.Files = []string{"region=EU/a.parquet", "region=EU/c.parquet"}
			return "tid"
		},
		"size":            func(u *planbundle.ScanUnit) string { u.Sizes = []int64{10, 21}; return "tid" },
		"deletion vector": func(u *planbundle.ScanUnit) string { u.DVIDs = []string{"", "uabc"}; return "tid" },
		"partition":       func(u *planbundle.ScanUnit) string { u.Partition = []string{"region=NA"}; return "tid" },
		"columns":         func(u *planbundle.ScanUnit) string { u.ProjectedColumns = []string{"amount", "ts"}; return "tid" },
		"filters":         func(u *planbundle.ScanUnit) string { u.PushedFilters = nil; return "tid" },
	}
	for name, change := range changes {
		u := base
		u.Files, u.Sizes, u.DVIDs = append([]string{}, base.Files...), append([]int64{}, base.Sizes...), append([]string{}, base.DVIDs...)
		tid := change(&u)
		if digest(tid, u) == want {
			t.Errorf("a changed %s kept the content digest", name)
		}
	}
	bad := base
	bad.Sizes = nil // a unit read back from bundle JSON
	if _, err := newScanContent("tid", bad); !errors.Is(err, ErrUnhashable) {
		t.Errorf("unit without sizes: %v", err)
	}
}
