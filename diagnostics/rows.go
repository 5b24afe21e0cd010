package diagnostics

import (
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/deltaplan/deltaplan/identity"
)

// Table names under a diagnostics LOCATION.
const (
	TablePlanBundles   = "plan_bundles"
	TableScanUnits     = "scan_units"
	TableLineageReads  = "lineage_reads"
	TableScheduleNodes = "schedule_nodes"
	TableRunResults    = "run_results"
	TableDrift         = "drift"
)

// Tables lists every diagnostics table name, sorted.
var Tables = []string{TableDrift, TableLineageReads, TablePlanBundles, TableRunResults, TableScanUnits, TableScheduleNodes}

// PlanBundle is one plan_bundles row: a view's plan bundle in one run.
type PlanBundle struct {
	View            string
	Signature       string
	PlanFingerprint string
	RuntimeHash     string
	UDFSnapshotHash string
	ScanUnitsDigest string
	RewriteTags     []string       // stored as a JSON list
	DeltaPins       []identity.Pin // stored as JSON [{table, table_id, version}]
}

// ScanUnit is one scan_units row.
type ScanUnit struct {
	View             string
	UnitID           string
	Table            string
	DeltaVersion     int64
	Files            []string // files = len(Files), file_list = JSON list
	Bytes            int64
	Records          *int64 // nil when a file lacks numRecords
	ProjectedColumns []string
	PushedFilters    []string
}

// LineageRead is one lineage_reads row: a read relation of a view's plan.
type LineageRead struct {
	View    string
	Table   string
	Kind    string
	Path    string
	Columns []string
	Filters []string
}

// ScheduleNode is one schedule_nodes row: a task-graph node of a run.
type ScheduleNode struct {
	Name         string
	Kind         string
	Status       string
	Reason       string
	Signature    string
	Bytes        int64
	Table        string
	DeltaVersion *int64
	Files        int64
	Records      *int64
	View         string
	Admitted     bool
	Behavior     string
	Explain      string
	CacheKey     *string
}

// RunResult is one run_results row: how a task of a run ended.
type RunResult struct {
	Name        string
	Status      string  // succeeded, failed or skipped
	DataVersion *string // the data version the engine reported, if any
	CacheKey    string  // the key the result is recorded under
	StartedAt   time.Time
	EndedAt     time.Time
	Group       *int64
}

// Drift is one drift row: a change a run found against the previous one.
type Drift struct {
	Kind        string
	Task        string
	Predecessor string
	Detail      string
}

var (
	tString = arrow.BinaryTypes.String
	tLong   = arrow.PrimitiveTypes.Int64
	tBool   = arrow.FixedWidthTypes.Boolean
	tTime   = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
)

// col is one column of a diagnostics table: its field and how a row
// gives its value (nil, string, int64, bool or time.Time; nil is NULL).
type col[T any] struct {
	field arrow.Field
	value func(*T) any
}

func str[T any](name string, f func(*T) string) col[T] {
	return col[T]{arrow.Field{Name: name, Type: tString}, func(r *T) any { return f(r) }}
}

func jsonCol[T any](name string, f func(*T) any) col[T] {
	return col[T]{arrow.Field{Name: name, Type: tString}, func(r *T) any { return jsonText(f(r)) }}
}

func long[T any](name string, f func(*T) int64) col[T] {
	return col[T]{arrow.Field{Name: name, Type: tLong}, func(r *T) any { return f(r) }}
}

func optLong[T any](name string, f func(*T) *int64) col[T] {
	return col[T]{arrow.Field{Name: name, Type: tLong, Nullable: true}, func(r *T) any {
		if p := f(r); p != nil {
			return *p
		}
		return nil
	}}
}

var planBundleCols = []col[PlanBundle]{
	str("view", func(r *PlanBundle) string { return r.View }),
	str("signature", func(r *PlanBundle) string { return r.Signature }),
	str("plan_fingerprint", func(r *PlanBundle) string { return r.PlanFingerprint }),
	str("runtime_hash", func(r *PlanBundle) string { return r.RuntimeHash }),
	str("udf_snapshot_hash", func(r *PlanBundle) string { return r.UDFSnapshotHash }),
	str("scan_units_digest", func(r *PlanBundle) string { return r.ScanUnitsDigest }),
	jsonCol("rewrite_tags", func(r *PlanBundle) any { return nonNil(r.RewriteTags) }),
	jsonCol("delta_pins", func(r *PlanBundle) any { return nonNil(r.DeltaPins) }),
}

var scanUnitCols = []col[ScanUnit]{
	str("view", func(r *ScanUnit) string { return r.View }),
	str("unit_id", func(r *ScanUnit) string { return r.UnitID }),
	str("table", func(r *ScanUnit) string { return r.Table }),
	long("delta_version", func(r *ScanUnit) int64 { return r.DeltaVersion }),
	long("files", func(r *ScanUnit) int64 { return int64(len(r.Files)) }),
	jsonCol("file_list", func(r *ScanUnit) any { return nonNil(r.Files) }),
	long("bytes", func(r *ScanUnit) int64 { return r.Bytes }),
	optLong("records", func(r *ScanUnit) *int64 { return r.Records }),
	jsonCol("projected_columns", func(r *ScanUnit) any { return nonNil(r.ProjectedColumns) }),
	jsonCol("pushed_filters", func(r *ScanUnit) any { return nonNil(r.PushedFilters) }),
}

var lineageReadCols = []col[LineageRead]{
	str("view", func(r *LineageRead) string { return r.View }),
	str("table", func(r *LineageRead) string { return r.Table }),
	str("kind", func(r *LineageRead) string { return r.Kind }),
	str("path", func(r *LineageRead) string { return r.Path }),
	jsonCol("columns", func(r *LineageRead) any { return nonNil(r.Columns) }),
	jsonCol("filters", func(r *LineageRead) any { return nonNil(r.Filters) }),
}

var scheduleNodeCols = []col[ScheduleNode]{
	str("name", func(r *ScheduleNode) string { return r.Name }),
	str("kind", func(r *ScheduleNode) string { return r.Kind }),
	str("status", func(r *ScheduleNode) string { return r.Status }),
	str("reason", func(r *ScheduleNode) string { return r.Reason }),
	str("signature", func(r *ScheduleNode) string { return r.Signature }),
	long("bytes", func(r *ScheduleNode) int64 { return r.Bytes }),
	str("table", func(r *ScheduleNode) string { return r.Table }),
	optLong("delta_version", func(r *ScheduleNode) *int64 { return r.DeltaVersion }),
	long("files", func(r *ScheduleNode) int64 { return r.Files }),
	optLong("records", func(r *ScheduleNode) *int64 { return r.Records }),
	str("view", func(r *ScheduleNode) string { return r.View }),
	{arrow.Field{Name: "admitted", Type: tBool}, func(r *ScheduleNode) any { return r.Admitted }},
	str("behavior", func(r *ScheduleNode) string { return r.Behavior }),
	str("explain", func(r *ScheduleNode) string { return r.Explain }),
	{arrow.Field{Name: "cache_key", Type: tString, Nullable: true}, func(r *ScheduleNode) any {
		if r.CacheKey != nil {
			return *r.CacheKey
		}
		return nil
	}},
}

var runResultCols = []col[RunResult]{
	str("name", func(r *RunResult) string { return r.Name }),
	str("status", func(r *RunResult) string { return r.Status }),
	{arrow.Field{Name: "data_version", Type: tString, Nullable: true}, func(r *RunResult) any {
		if r.DataVersion != nil {
			return *r.DataVersion
		}
		return nil
	}},
	str("cache_key", func(r *RunResult) string { return r.CacheKey }),
	{arrow.Field{Name: "started_at", Type: tTime, Nullable: true}, func(r *RunResult) any { return timeOrNil(r.StartedAt) }},
	{arrow.Field{Name: "ended_at", Type: tTime, Nullable: true}, func(r *RunResult) any { return timeOrNil(r.EndedAt) }},
	optLong("group", func(r *RunResult) *int64 { return r.Group }),
}

var driftCols = []col[Drift]{
	str("kind", func(r *Drift) string { return r.Kind }),
	str("task", func(r *Drift) string { return r.Task }),
	str("predecessor", func(r *Drift) string { return r.Predecessor }),
	str("detail", func(r *Drift) string { return r.Detail }),
}

func timeOrNil(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
