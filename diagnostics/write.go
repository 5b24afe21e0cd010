package diagnostics

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/deltaplan/deltaplan/deltawrite"
	"github.com/deltaplan/deltaplan/storage"
)

// ErrInvalid: a Write call with no run id or rows the table cannot take.
var ErrInvalid = errors.New("diagnostics: invalid input")

// Batch is the rows of one diagnostics table for one run. Build it with
// PlanBundles, ScanUnits, LineageReads, ScheduleNodes, RunResults or
// Drifts.
type Batch struct {
	table  string
	fields []arrow.Field // without run_id
	rows   int
	value  func(row, col int) any
}

// Table is the diagnostics table the rows go to.
func (b Batch) Table() string { return b.table }

// Len is the number of rows.
func (b Batch) Len() int { return b.rows }

func makeBatch[T any](table string, cols []col[T], rows []T) Batch {
	fields := make([]arrow.Field, len(cols))
	for i, c := range cols {
		fields[i] = c.field
	}
	return Batch{table: table, fields: fields, rows: len(rows), value: func(r, c int) any { return cols[c].value(&rows[r]) }}
}

// PlanBundles returns plan_bundles rows.
func PlanBundles(rows ...PlanBundle) Batch { return makeBatch(TablePlanBundles, planBundleCols, rows) }

// ScanUnits returns scan_units rows.
func ScanUnits(rows ...ScanUnit) Batch { return makeBatch(TableScanUnits, scanUnitCols, rows) }

// LineageReads returns lineage_reads rows.
func LineageReads(rows ...LineageRead) Batch {
	return makeBatch(TableLineageReads, lineageReadCols, rows)
}

// ScheduleNodes returns schedule_nodes rows.
func ScheduleNodes(rows ...ScheduleNode) Batch {
	return makeBatch(TableScheduleNodes, scheduleNodeCols, rows)
}

// RunResults returns run_results rows.
func RunResults(rows ...RunResult) Batch { return makeBatch(TableRunResults, runResultCols, rows) }

// Drifts returns drift rows.
func Drifts(rows ...Drift) Batch { return makeBatch(TableDrift, driftCols, rows) }

// Schema is the schema a table is created with: run_id, then the batch's
// columns.
func (b Batch) Schema() *arrow.Schema {
	return arrow.NewSchema(append([]arrow.Field{runIDField}, b.fields...), nil)
}

var runIDField = arrow.Field{Name: "run_id", Type: tString}

// Opener opens the storage of one table LOCATION for writing.
type Opener func(ctx context.Context, location string) (deltawrite.Storage, error)

func defaultOpener(ctx context.Context, loc string) (deltawrite.Storage, error) {
	return storage.OpenWritable(ctx, loc)
}

// Writer writes diagnostics tables. The zero Writer opens locations with
// storage.OpenWritable.
type Writer struct {
	// Open opens a table location (nil: storage.OpenWritable).
	Open Opener
	// Options are passed to deltawrite for every table.
	Options []deltawrite.Option
}

// Write appends the batches to their tables under location with
// Writer{}.
func Write(ctx context.Context, location, runID string, batches ...Batch) error {
	return Writer{}.Write(ctx, location, runID, batches...)
}

// Write appends the rows of each table, one commit per table, to
// LOCATION/<table> (location is any LOCATION form), creating a table on
// first use. Batches of the same table are merged into that one commit;
// empty batches write nothing. A table that lacks some of the batch's
// columns gets them first as nullable columns (a metaData commit); columns
// the table has beyond the batch's are written as NULL. Errors name the
// table's location.
func (w Writer) Write(ctx context.Context, location, runID string, batches ...Batch) error {
	if runID == "" {
		return fmt.Errorf("%w: empty run id", ErrInvalid)
	}
	if location == "" {
		return fmt.Errorf("%w: empty location", ErrInvalid)
	}
	var order []string
	byTable := map[string][]Batch{}
	for _, b := range batches {
		if b.rows == 0 {
			continue
		}
		if _, ok := byTable[b.table]; !ok {
			order = append(order, b.table)
		}
		byTable[b.table] = append(byTable[b.table], b)
	}
	open := w.Open
	if open == nil {
		open = defaultOpener
	}
	for _, name := range order {
		loc := JoinLocation(location, name)
		if err := w.writeTable(ctx, open, loc, runID, byTable[name]); err != nil {
			return fmt.Errorf("diagnostics %s: %w", loc, err)
		}
	}
	return nil
}

func (w Writer) writeTable(ctx context.Context, open Opener, loc, runID string, bs []Batch) error {
	st, err := open(ctx, loc)
	if err != nil {
		return err
	}
	want := bs[0].Schema()
	tbl, err := deltawrite.OpenOrCreate(ctx, st, want, w.Options...)
	if err != nil {
		return err
	}
	// Columns this version of the package writes that the table lacks.
	var missing []arrow.Field
	for _, f := range want.Fields() {
		if idx := tbl.Schema().FieldIndices(f.Name); len(idx) == 0 {
			missing = append(missing, f)
		}
	}
	if len(missing) > 0 {
		if _, err := tbl.AddColumns(ctx, missing...); err != nil {
			return err
		}
	}
	rec, err := buildRecord(tbl.Schema(), runID, bs)
	if err != nil {
		return err
	}
	defer rec.Release()
	_, err = tbl.Append(ctx, rec)
	return err
}

// buildRecord lays the batches' rows out in the table's schema: known
// columns by name, others NULL.
func buildRecord(schema *arrow.Schema, runID string, bs []Batch) (arrow.RecordBatch, error) {
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	for i, f := range schema.Fields() {
		fb := b.Field(i)
		for _, batch := range bs {
			c := -1
			for j, bf := range batch.fields {
				if bf.Name == f.Name {
					c = j
				}
			}
			if c >= 0 && !arrow.TypeEqual(batch.fields[c].Type, f.Type) {
				return nil, fmt.Errorf("%w: column %s is %s in the table, %s here", ErrInvalid, f.Name, f.Type, batch.fields[c].Type)
			}
			for r := 0; r < batch.rows; r++ {
				var v any
				switch {
				case f.Name == runIDField.Name:
					v = runID
				case c >= 0:
					v = batch.value(r, c)
				}
				if v == nil && !f.Nullable {
					return nil, fmt.Errorf("%w: column %s is not nullable in the table and this writer has no value for it", ErrInvalid, f.Name)
				}
				if err := appendValue(fb, v); err != nil {
					return nil, fmt.Errorf("column %s: %w", f.Name, err)
				}
			}
		}
	}
	return b.NewRecordBatch(), nil
}

func appendValue(fb array.Builder, v any) error {
	if v == nil {
		fb.AppendNull()
		return nil
	}
	switch x := fb.(type) {
	case *array.StringBuilder:
		if s, ok := v.(string); ok {
			x.Append(s)
			return nil
		}
	case *array.Int64Builder:
		if n, ok := v.(int64); ok {
			x.Append(n)
			return nil
		}
	case *array.BooleanBuilder:
		if b, ok := v.(bool); ok {
			x.Append(b)
			return nil
		}
	case *array.TimestampBuilder:
		if t, ok := v.(time.Time); ok {
			x.Append(arrow.Timestamp(t.UnixMicro()))
			return nil
		}
	}
	return fmt.Errorf("%w: value %T does not fit %s", ErrInvalid, v, fb.Type())
}

// JoinLocation returns the LOCATION of a table named name under location:
// '/'-joined for URIs (s3://…, file://…), filepath.Join for local paths.
func JoinLocation(location, name string) string {
	if l, err := storage.Parse(location); err == nil && !l.IsLocal() || strings.HasPrefix(strings.ToLower(location), "file:") {
		return strings.TrimRight(location, "/") + "/" + name
	}
	return filepath.Join(location, name)
}

// jsonText renders v as compact JSON without HTML escaping.
func jsonText(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "null" // not reached for the slices rendered here
	}
	return strings.TrimSuffix(buf.String(), "\n")
}
