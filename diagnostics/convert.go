package diagnostics

import (
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
			Bytes: u.Bytes, Records: u.Records, ProjectedColumns: u.ProjectedColumns, PushedFilters: u.PushedFilters}
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
// node (cache_key is left NULL: callers with cache keys set it).
func FromSchedule(s *workflow.Schedule) []ScheduleNode {
	out := make([]ScheduleNode, len(s.Nodes))
	for i, n := range s.Nodes {
		out[i] = ScheduleNode{
			Name: n.Name, Kind: n.Kind.String(), Status: n.Status, Reason: n.Reason, Signature: n.Signature,
			Bytes: n.Bytes, Table: n.Table, DeltaVersion: n.DeltaVersion, Files: int64(n.Files), Records: n.Records,
			View: n.View, Admitted: n.Admitted, Behavior: n.Behavior.String(), Explain: n.Explain,
		}
	}
	return out
}
