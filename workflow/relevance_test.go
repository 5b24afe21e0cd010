package workflow_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/deltaplan/deltaplan/planbundle"
	"github.com/deltaplan/deltaplan/workflow"
)

// TestLedgerUnrelatedUDF: a view's code version covers only the UDFs its
// plan calls, so changing fx_convert (called by top_eu_orders only) reruns
// top_eu_orders and nothing else.
func TestLedgerUnrelatedUDF(t *testing.T) {
	w := newWorkspace(t)
	l := newMemLedger()
	_, run := w.plan(l, "run-1", workflow.Options{})
	l.recordAll(t, run, nil)
	editFile(t, w.path("session.json"), `"sha256:5f2b7a3c9e1d4f6a8b0c2e4d6f8a1b3c5e7d9f0a2c4e6b8d1f3a5c7e9b0d2f4a"`,
		`"sha256:0000000000000000000000000000000000000000000000000000000000000000"`)
	s, _ := w.plan(l, "run-2", workflow.Options{})
	for name, want := range map[string]string{
		"view:top_eu_orders":     workflow.StatusStale,
		"view:revenue_by_region": workflow.StatusFresh,
		"view:region_report":     workflow.StatusFresh,
		"view:archive_revenue":   workflow.StatusFresh,
	} {
		if got := node(t, s, name).Status; got != want {
			t.Errorf("%s is %s, want %s (causes %+v)", name, got, want, node(t, s, name).Causes)
		}
	}
}

// TestScheduleChecksSchema: scheduling checks each view's plan against the
// pinned table, as plan and fingerprint do.
func TestScheduleChecksSchema(t *testing.T) {
	w := newWorkspace(t)
	editFile(t, w.path("plans/revenue_by_region.json"), `{"decimal": {"precision": 12, "scale": 2, "nullability": "NULLABILITY_NULLABLE"}}`,
		`{"i32": {"nullability": "NULLABILITY_NULLABLE"}}`)
	_, err := scheduleFile(w.path("workflow.json"), nil)
	if !errors.Is(err, planbundle.ErrSchemaMismatch) || !strings.Contains(err.Error(), "column amount: plan type i32, table type decimal(12,2)") {
		t.Fatalf("got %v", err)
	}
}
