package diagnostics

import (
	"slices"
	"strings"

	"github.com/deltaplan/deltaplan/ledger"
	"github.com/deltaplan/deltaplan/planbundle"
	"github.com/deltaplan/deltaplan/workflow"
)

// FromBundle returns the plan_bundles row, the scan_units rows and the
// lineage_reads rows of view's plan bundle.
func FromBundle(view string, b *planbundle.Bundle) (PlanBundle, []ScanUnit, []LineageRead) {
	c := b.Components
	pb := PlanBundle{
		View: view, Signature: b.Signature.String(), PlanFingerprint: c.PlanFingerprint.String(),
		RuntimeHash: c.RuntimeHash.String(), UDFSnapshotHash: c.UDFSnapshotHash.String(),
		ScanUnitsDigest: c.ScanUnitsDigest.String(), RewriteTags: c.RewriteTags, DeltaPins: c.DeltaPins,
	}
	units := make([]ScanUnit, len(b.ScanUnits))
	for i, u := range b.ScanUnits {
		units[i] = ScanUnit{View: view, UnitID: u.ID, Table: u.Table, DeltaVersion: u.DeltaVersion, Files: u.Files,
			Bytes: u.Bytes, Records: u.Records, ProjectedColumns: u.ProjectedColumns, PushedFilters: u.FilterTexts()}
	}
	reads := make([]LineageRead, len(b.Lineage.Reads))
	for i, r := range b.Lineage.Reads {
		reads[i] = LineageRead{View: view, Table: r.Table, Kind: r.Kind, Path: r.Path, Columns: r.Columns, Filters: r.Filters}
	}
	return pb, units, reads
}

// BundleBatches is FromBundle as the three batches to Write.
func BundleBatches(view string, b *planbundle.Bundle) []Batch {
	pb, units, reads := FromBundle(view, b)
	return []Batch{PlanBundles(pb), ScanUnits(units...), LineageReads(reads...)}
}

// FromSchedule returns the schedule_nodes rows of a schedule, one per
// node (cache_key is NULL unless the schedule was planned against a ledger).
func FromSchedule(s *workflow.Schedule) []ScheduleNode {
	out := make([]ScheduleNode, len(s.Nodes))
	for i, n := range s.Nodes {
		out[i] = ScheduleNode{
			Name: n.Name, Kind: n.Kind.String(), Status: n.Status, Reason: n.Reason, Signature: n.Signature,
			Bytes: n.Bytes, Table: n.Table, DeltaVersion: n.DeltaVersion, Files: int64(n.Files), Records: n.Records,
			View: n.View, Admitted: n.Admitted, Behavior: n.Behavior.String(), Explain: n.Explain,
		}
		if n.CacheKey != "" {
			out[i].CacheKey = &n.CacheKey
		}
	}
	return out
}

// FromRecord returns the run_results rows of what `deltaplan record`
// stored: a row per task, with the key it was recorded under.
func FromRecord(res *ledger.Results, sum *ledger.RecordSummary) []RunResult {
	keys := map[string]string{}
	for _, r := range sum.Records {
		keys[r.Name] = r.CacheKey
	}
	out := make([]RunResult, 0, len(res.Tasks))
	for _, t := range res.Tasks {
		r := RunResult{Name: t.Name, Status: t.Status, DataVersion: t.DataVersion, CacheKey: keys[t.Name]}
		if t.StartedAt != nil {
			r.StartedAt = *t.StartedAt
		}
		if t.EndedAt != nil {
			r.EndedAt = *t.EndedAt
		}
		if t.Group != nil {
			g := int64(*t.Group)
			r.Group = &g
		}
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b RunResult) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// FromDrift returns the drift rows of a run's drift report, one per
// finding, in the report's order.
func FromDrift(d *ledger.Drift) []Drift {
	var out []Drift
	for _, n := range d.AdmittedNotReported {
		out = append(out, Drift{Kind: "admitted_not_reported", Task: n})
	}
	for _, n := range d.ReportedNotAdmitted {
		out = append(out, Drift{Kind: "reported_not_admitted", Task: n})
	}
	for _, f := range d.Failures {
		out = append(out, Drift{Kind: f.Status, Task: f.Name})
	}
	for _, v := range d.OrderViolations {
		out = append(out, Drift{Kind: "order_violation", Task: v.Task, Predecessor: v.Predecessor, Detail: v.Reason})
	}
	return out
}
