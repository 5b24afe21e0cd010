package scan

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/deltaplan/deltaplan/internal/fixtures"
	"github.com/deltaplan/deltaplan/model"
	"github.com/deltaplan/deltaplan/scanunit"
)

// TestUnits: the units planned from a pruned snapshot, each read on its
// own, give together exactly the rows of the filtered table; a unit of
// another version or with other deletion vectors is refused.
func TestUnits(t *testing.T) {
	tab := openTable(t, filepath.Join(fixtures.RepoRoot(t), "testdata", "example", "sales"))
	pred, err := scanunit.ParseFilter("region IN ('EU', 'NA') AND amount > 100")
	if err != nil {
		t.Fatal(err)
	}
	pr, err := scanunit.NewPruner(pred, scanunit.SchemaOf(tab.Snapshot.Files))
	if err != nil {
		t.Fatal(err)
	}
	verdicts, err := pr.Eval(tab.Snapshot.Files)
	if err != nil {
		t.Fatal(err)
	}
	units, err := scanunit.Plan(tab.Snapshot.Files, verdicts, scanunit.Options{Table: "sales", Version: tab.Snapshot.Version, TargetBytes: 2000,
		Columns: []string{"amount", "region"}, Filters: model.Conjuncts(pred)})
	if err != nil {
		t.Fatal(err)
	}
	if len(units) < 2 {
		t.Fatalf("want several units, got %d", len(units))
	}
	var sum int64
	for _, u := range units {
		files, opts, err := ForUnit(tab, u, Options{})
		if err != nil {
			t.Fatal(err)
		}
		n, err := count(t, tab, files, opts)
		if err != nil {
			t.Fatal(err)
		}
		sum += n
	}
	want, err := count(t, tab, nil, Options{Filter: pred})
	if err != nil || sum != want || want != 167 {
		t.Fatalf("units give %d rows, the filtered table %d (want 167), %v", sum, want, err)
	}
	old := units[0]
	old.DeltaVersion--
	if _, _, err := ForUnit(tab, old, Options{}); !errors.Is(err, ErrUnit) {
		t.Errorf("should refuse a unit of another version: %v", err)
	}
	dv := units[0]
	dv.DVIDs = append([]string{}, dv.DVIDs...)
	dv.DVIDs[0] = "iXYZ"
	if _, _, err := ForUnit(tab, dv, Options{}); !errors.Is(err, ErrUnit) {
		t.Errorf("should refuse a unit whose deletion vectors differ: %v", err)
	}
	opq := units[0]
	opq.PushedFilters = []model.Pred{model.Opaque{Text: "f(amount)"}}
	if _, _, err := ForUnit(tab, opq, Options{}); !errors.Is(err, ErrUnit) {
		t.Errorf("should refuse an opaque pushed filter: %v", err)
	}
	if _, _, err := Unit(context.Background(), tab, units[0], Options{}); err != nil {
		t.Fatal(err)
	}
}
