package planbundle

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deltaplan/deltaplan/internal/fixtures"
)

// reportPlan reads the view revenue_by_region, not a table.
func reportPlan(tb testing.TB) []byte {
	return readFile(tb, filepath.Join(fixtures.RepoRoot(tb), "testdata", "example", "plans", "region_report.json"))
}

func TestViewReads(t *testing.T) {
	plan := reportPlan(t)
	b := mustBuild(t, Inputs{Plan: plan, Views: []string{"revenue_by_region"}})
	if len(b.Components.DeltaPins) != 0 || len(b.ScanUnits) != 0 || len(b.Tables) != 0 {
		t.Errorf("a view read pinned %v, scan units %d, tables %v", b.Components.DeltaPins, len(b.ScanUnits), b.Tables)
	}
	if len(b.Lineage.Reads) != 1 || b.Lineage.Reads[0].Table != "revenue_by_region" {
		t.Errorf("lineage reads %+v", b.Lineage.Reads)
	}
	// Matching is case-insensitive and falls back to the last dotted part.
	dotted := []byte(strings.Replace(string(plan), `["revenue_by_region"]`, `["db", "REVENUE_BY_REGION"]`, 1))
	if _, err := pinAndBuild(context.Background(), Inputs{Plan: dotted, Views: []string{"revenue_by_region"}}); err != nil {
		t.Errorf("dotted, upper-case read of a view: %v", err)
	}
	// A table read is unaffected by the views offered beside it.
	tb := mustBuild(t, Inputs{Plan: revenuePlan(t), Tables: []Table{{Name: "sales", Location: salesDir(t)}}})
	if len(tb.Components.DeltaPins) != 1 {
		t.Errorf("pins %v", tb.Components.DeltaPins)
	}
}

func TestViewErrors(t *testing.T) {
	sales := []Table{{Name: "sales", Location: salesDir(t)}}
	tests := []struct {
		name string
		in   Inputs
		is   error
		want string
	}{
		{"should fail: a view read without the view", Inputs{Plan: reportPlan(t)}, ErrNoTable, "revenue_by_region"},
		{"should fail: an offered view no read uses", Inputs{Plan: revenuePlan(t), Tables: sales, Views: []string{"other"}}, ErrInvalidInput, "view other matches no read"},
		{"should fail: a view that is also a table", Inputs{Plan: revenuePlan(t), Tables: sales, Views: []string{"Sales"}}, ErrInvalidInput, "view Sales is also a table"},
		{"should fail: a view given twice", Inputs{Plan: reportPlan(t), Views: []string{"revenue_by_region", "REVENUE_BY_REGION"}}, ErrInvalidInput, "given twice"},
		{"should fail: an empty view name", Inputs{Plan: reportPlan(t), Views: []string{"revenue_by_region", ""}}, ErrInvalidInput, "view 1 has no name"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := pinAndBuild(context.Background(), tc.in)
			if !errors.Is(err, tc.is) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %v containing %q", err, tc.is, tc.want)
			}
		})
	}
}
