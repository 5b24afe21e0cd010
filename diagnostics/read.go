package diagnostics

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/deltaplan/deltaplan/delta"
)

// Row is one row of a diagnostics table: column name -> value (string,
// int64, bool, RFC 3339 time text, or nil for NULL).
type Row map[string]any

// Read returns the rows of one diagnostics table (TablePlanBundles, ...)
// under location at its latest version, through the repository's own Delta
// reader and arrow-go: the round trip a reader such as Spark or DuckDB
// makes. With runID, only that run's rows. Rows are sorted by run_id, then
// by their JSON text, so the output does not depend on file names.
func (w Writer) Read(ctx context.Context, location, table, runID string) ([]Row, error) {
	open := w.Open
	if open == nil {
		open = defaultOpener
	}
	loc := JoinLocation(location, table)
	st, err := open(ctx, loc)
	if err != nil {
		return nil, fmt.Errorf("diagnostics %s: %w", loc, err)
	}
	root := loc
	if u, ok := st.(interface{ URI() string }); ok {
		root = u.URI() // the opened store's canonical root
	}
	tbl, err := delta.Open(ctx, st, root, delta.WithLocation(loc))
	if err != nil {
		return nil, fmt.Errorf("diagnostics %s: %w", loc, err)
	}
	snap, err := tbl.Snapshot(ctx)
	if err != nil {
		return nil, fmt.Errorf("diagnostics %s: %w", loc, err)
	}
	var rows []Row
	for _, p := range snap.Files.Paths {
		data, err := st.Read(ctx, p)
		if err != nil {
			return nil, fmt.Errorf("diagnostics %s: read %s: %w", loc, p, err)
		}
		rs, err := parquetRows(ctx, data)
		if err != nil {
			return nil, fmt.Errorf("diagnostics %s: data file %s: %w", loc, p, err)
		}
		for _, r := range rs {
			if runID == "" || r["run_id"] == runID {
				rows = append(rows, r)
			}
		}
	}
	// Sort on each row's JSON (maps marshal in key order), computed once.
	type keyed struct {
		key string
		row Row
	}
	ks := make([]keyed, len(rows))
	for i, r := range rows {
		b, _ := json.Marshal(r)
		ks[i] = keyed{fmt.Sprint(r["run_id"]) + "\x00" + string(b), r}
	}
	slices.SortFunc(ks, func(a, b keyed) int { return strings.Compare(a.key, b.key) })
	for i, k := range ks {
		rows[i] = k.row
	}
	return rows, nil
}

// parquetRows decodes a data file written by Write.
func parquetRows(ctx context.Context, data []byte) ([]Row, error) {
	pf, err := file.NewParquetReader(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	defer pf.Close()
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		return nil, err
	}
	t, err := fr.ReadTable(ctx)
	if err != nil {
		return nil, err
	}
	defer t.Release()
	tr := array.NewTableReader(t, 0)
	defer tr.Release()
	var rows []Row
	for tr.Next() {
		rec := tr.RecordBatch()
		for r := 0; r < int(rec.NumRows()); r++ {
			row := Row{}
			for c := 0; c < int(rec.NumCols()); c++ {
				v, err := value(rec.Column(c), r)
				if err != nil {
					return nil, fmt.Errorf("column %s: %w", rec.Schema().Field(c).Name, err)
				}
				row[rec.Schema().Field(c).Name] = v
			}
			rows = append(rows, row)
		}
	}
	return rows, tr.Err()
}

func value(a arrow.Array, i int) (any, error) {
	if a.IsNull(i) {
		return nil, nil
	}
	switch a := a.(type) {
	case *array.String:
		return a.Value(i), nil
	case *array.Int64:
		return a.Value(i), nil
	case *array.Boolean:
		return a.Value(i), nil
	case *array.Timestamp:
		unit := a.DataType().(*arrow.TimestampType).Unit
		return a.Value(i).ToTime(unit).UTC().Format(time.RFC3339Nano), nil
	default:
		return nil, fmt.Errorf("unexpected type %s", a.DataType())
	}
}
