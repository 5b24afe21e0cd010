package scan

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/metadata"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/deltaplan/deltaplan/model"
	"github.com/deltaplan/deltaplan/scanunit"
)

// newRowGroupPruner builds the pruner that skips row groups: the same
// sound pruner that prunes files (scanunit.Pruner), asked about the row
// groups of one file as if they were files. It knows every column the
// filter reads; only signed integer and date columns get statistics (see
// rowGroupStats), the rest decide nothing.
func newRowGroupPruner(pred model.Pred, p *plan) (*scanunit.Pruner, error) {
	var schema scanunit.Schema
	seen := map[string]bool{}
	for _, pc := range p.t.Snapshot.Files.Partitions {
		schema = append(schema, scanunit.Field{Path: model.Column{pc.Name}, Kind: pc.Values.Kind})
		seen[pc.Name] = true
	}
	for _, c := range model.Columns(pred) {
		if seen[c.String()] {
			continue
		}
		seen[c.String()] = true
		k := model.KindNull
		if len(c) == 1 {
			for _, f := range p.fields {
				if f.field.Name == c[0] {
					if kk, ok := kindOf(f.field.Type); ok {
						k = kk
					}
				}
			}
		}
		schema = append(schema, scanunit.Field{Path: c, Kind: k})
	}
	return scanunit.NewPruner(pred, schema)
}

// skipRowGroups returns which row groups of file fi cannot hold a row on
// which the filter is TRUE.
func (p *plan) skipRowGroups(pf *file.Reader, fr *pqarrow.FileReader, fi int, src []int) ([]bool, error) {
	n := pf.NumRowGroups()
	if p.rgPruner == nil || n == 0 {
		return nil, nil
	}
	files := p.t.Snapshot.Files
	fs := &model.FileSet{}
	for rg := 0; rg < n; rg++ {
		md := pf.MetaData().RowGroup(rg)
		fs.Paths = append(fs.Paths, fmt.Sprintf("rg%09d", rg))
		fs.Sizes = append(fs.Sizes, md.TotalByteSize())
		fs.ModTimes = append(fs.ModTimes, 0)
		fs.NumRecords = append(fs.NumRecords, md.NumRows())
		fs.DVCardinality = append(fs.DVCardinality, -1)
		fs.DVIDs = append(fs.DVIDs, "")
		fs.TightBounds = append(fs.TightBounds, -1)
	}
	for _, pc := range files.Partitions {
		col := model.PartitionColumn{Name: pc.Name, Values: model.NewVector(pc.Values.Kind, pc.Values.Scale, n)}
		v := pc.Values.Get(fi)
		for rg := 0; rg < n; rg++ {
			col.Raw = append(col.Raw, pc.Raw[fi])
			col.RawValid = append(col.RawValid, pc.RawValid[fi])
			col.Values.Append(v)
		}
		fs.Partitions = append(fs.Partitions, col)
	}
	for i, of := range p.fields {
		if of.part >= 0 || src[i] < 0 {
			continue
		}
		if st, ok := rowGroupStats(pf, &fr.Manifest.Fields[src[i]], of); ok {
			fs.Stats = append(fs.Stats, st)
		}
	}
	sortStats(fs.Stats)
	verdicts, err := p.rgPruner.Eval(fs)
	if err != nil {
		return nil, err
	}
	skip := make([]bool, n)
	for rg, v := range verdicts {
		skip[rg] = !v.Keep()
	}
	return skip, nil
}

// rowGroupStats reads min/max/null count of a top-level column from each
// row group. Only signed integers and dates (parquet INT32/INT64 with a
// signed sort order, so old and new statistics agree) whose table type is
// an integer or date: their statistics are exact values of the column.
func rowGroupStats(pf *file.Reader, f *pqarrow.SchemaField, of outField) (model.ColumnStats, bool) {
	k, ok := kindOf(of.field.Type)
	if !ok || (k != model.KindInt && k != model.KindDate) || !f.IsLeaf() {
		return model.ColumnStats{}, false
	}
	switch f.Field.Type.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64:
		if k != model.KindInt {
			return model.ColumnStats{}, false
		}
	case arrow.DATE32:
		if k != model.KindDate {
			return model.ColumnStats{}, false
		}
	default:
		return model.ColumnStats{}, false
	}
	n := pf.NumRowGroups()
	st := model.ColumnStats{Path: model.Column{of.field.Name}, Min: model.NewVector(k, 0, n), Max: model.NewVector(k, 0, n)}
	for rg := 0; rg < n; rg++ {
		lo, hi, nulls := model.Null, model.Null, int64(-1)
		if cc, err := pf.MetaData().RowGroup(rg).ColumnChunk(f.ColIndex); err == nil {
			if set, _ := cc.StatsSet(); set {
				if ts, err := cc.Statistics(); err == nil && ts != nil {
					if ts.HasNullCount() {
						nulls = ts.NullCount()
					}
					if ts.HasMinMax() {
						switch s := ts.(type) {
						case *metadata.Int32Statistics:
							lo, hi = model.Value{Kind: k, Int: int64(s.Min())}, model.Value{Kind: k, Int: int64(s.Max())}
						case *metadata.Int64Statistics:
							lo, hi = model.Value{Kind: k, Int: s.Min()}, model.Value{Kind: k, Int: s.Max()}
						}
					}
				}
			}
		}
		st.Min.Append(lo)
		st.Max.Append(hi)
		st.NullCount = append(st.NullCount, nulls)
	}
	return st, true
}

func sortStats(s []model.ColumnStats) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j].Path.String() < s[j-1].Path.String(); j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}
