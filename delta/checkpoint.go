package delta

import (
	"context"
	"fmt"
	"math"
	"math/big"
	"os"
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/deltaplan/deltaplan/model"
)

// nonFileColumns are the checkpoint columns read before the schema is known.
var nonFileColumns = map[string]bool{"metaData": true, "protocol": true, "txn": true, "domainMetadata": true, "sidecar": true, "checkpointMetadata": true}

// addColumns are the add.* fields the file set needs; everything else in a
// checkpoint (remove tombstones, tags, commitInfo) is never read.
var addColumns = map[string]bool{"path": true, "partitionValues": true, "size": true, "modificationTime": true, "stats": true, "stats_parsed": true, "deletionVector": true}

// readParquet reads the wanted leaf columns of a parquet log file and calls
// fn for each record batch. Any decoder failure, including a panic in the
// parquet library on damaged input, becomes ErrCorruptLog naming the file.
func readParquet(ctx context.Context, st Storage, fi FileInfo, want func(path []string) bool, fn func(rec arrow.RecordBatch) error) error {
	return readParquetRows(ctx, st, fi, nil, want, nil, fn)
}

// readParquetRows is readParquet that first tells rows the file's row count.
//
// A failed or short storage read is returned as such ("read checkpoint
// PATH: cause", never ErrCorruptLog); only malformed content is
// ErrCorruptLog, wrapping the decoder's error as well.
// alloc serves the decoded batches (nil: arrow's Go allocator).
func readParquetRows(ctx context.Context, st Storage, fi FileInfo, alloc memory.Allocator, want func(path []string) bool, rows func(n int64), fn func(rec arrow.RecordBatch) error) (err error) {
	if alloc == nil {
		alloc = memory.DefaultAllocator
	}
	ra := &readerAt{ctx: ctx, st: st, path: fi.Path, size: fi.Size}
	// decodeErr classifies a parquet library failure by whether a storage
	// read failed underneath it.
	decodeErr := func(cause error) error {
		if ioErr := ra.err(); ioErr != nil {
			return fmt.Errorf("read checkpoint %s: %w", fi.Path, ioErr)
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			return fmt.Errorf("read checkpoint %s: %w", fi.Path, ctxErr)
		}
		return fmt.Errorf("%w: %s: %w", ErrCorruptLog, fi.Path, cause)
	}
	defer func() {
		if r := recover(); r != nil {
			err = decodeErr(fmt.Errorf("parquet decoder failed: %v", r))
		}
	}()
	if ra.size <= 0 {
		info, err := st.Stat(ctx, fi.Path)
		if err != nil {
			return fmt.Errorf("stat checkpoint %s: %w", fi.Path, err)
		}
		ra.size = info.Size
	}
	props := parquet.NewReaderProperties(memory.DefaultAllocator)
	if lfs, ok := asLocal(st); ok {
		// Locally a read is cheap: stream column chunks through a small
		// buffer instead of holding each whole chunk (tens of MB for the
		// stats column of a large part) while it decodes. Remote stores
		// keep whole-chunk reads: one round trip per chunk.
		f, err := os.Open(lfs.abs(fi.Path))
		if err != nil {
			return fmt.Errorf("read checkpoint %s: %w", fi.Path, err)
		}
		defer f.Close()
		ra.f, ra.prog = f, progressOf(st)
		props.BufferedStreamEnabled = true
		props.BufferSize = 1 << 20
	}
	pf, err := file.NewParquetReader(ra, file.WithReadProps(props))
	if err != nil {
		return decodeErr(err)
	}
	defer pf.Close()
	if rows != nil {
		rows(pf.NumRows())
	}
	sc := pf.MetaData().Schema
	var cols []int
	for i := 0; i < sc.NumColumns(); i++ {
		if want(sc.Column(i).ColumnPath()) {
			cols = append(cols, i)
		}
	}
	if len(cols) == 0 {
		return nil
	}
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: 1 << 14, PreAllocBinaryData: true}, alloc)
	if err != nil {
		return decodeErr(err)
	}
	rr, err := fr.GetRecordReader(ctx, cols, nil)
	if err != nil {
		return decodeErr(err)
	}
	defer rr.Release()
	for rr.Next() {
		if err := fn(rr.RecordBatch()); err != nil {
			return fmt.Errorf("%s: %w", fi.Path, err)
		}
	}
	if err := rr.Err(); err != nil {
		return decodeErr(err)
	}
	return nil
}

// column returns the named top-level struct column of rec, or nil.
func column(rec arrow.RecordBatch, name string) arrow.Array {
	for i, f := range rec.Schema().Fields() {
		if f.Name == name {
			if s, ok := rec.Column(i).(*array.Struct); ok {
				return s
			}
		}
	}
	return nil
}

// child returns a struct's field by name, or nil.
func child(a arrow.Array, name string) arrow.Array {
	s, ok := a.(*array.Struct)
	if !ok || s == nil {
		return nil
	}
	idx, ok := s.DataType().(*arrow.StructType).FieldIdx(name)
	if !ok {
		return nil
	}
	return s.Field(idx)
}

func valid(a arrow.Array, i int) bool { return a != nil && a.IsValid(i) }

func strAt(a arrow.Array, i int) (string, bool) {
	if !valid(a, i) {
		return "", false
	}
	switch x := a.(type) {
	case *array.String:
		return x.Value(i), true
	case *array.LargeString:
		return x.Value(i), true
	case *array.Binary:
		return string(x.Value(i)), true
	case *array.LargeBinary:
		return string(x.Value(i)), true
	}
	return "", false
}

func intAt(a arrow.Array, i int) (int64, bool) {
	if !valid(a, i) {
		return 0, false
	}
	switch x := a.(type) {
	case *array.Int64:
		return x.Value(i), true
	case *array.Int32:
		return int64(x.Value(i)), true
	case *array.Int16:
		return int64(x.Value(i)), true
	case *array.Int8:
		return int64(x.Value(i)), true
	}
	return 0, false
}

func boolAt(a arrow.Array, i int) (bool, bool) {
	if x, ok := a.(*array.Boolean); ok && x.IsValid(i) {
		return x.Value(i), true
	}
	return false, false
}

// mapEach calls fn for each entry of a map<string,string> at row i.
func mapEach(a arrow.Array, i int, fn func(k string, v string, ok bool)) {
	m, ok := a.(*array.Map)
	if !ok || !m.IsValid(i) {
		return
	}
	start, end := m.ValueOffsets(i)
	for j := int(start); j < int(end); j++ {
		k, _ := strAt(m.Keys(), j)
		v, ok := strAt(m.Items(), j)
		fn(k, v, ok)
	}
}

func stringListAt(a arrow.Array, i int) []string {
	l, ok := a.(*array.List)
	if !ok || !l.IsValid(i) {
		return nil
	}
	start, end := l.ValueOffsets(i)
	out := make([]string, 0, end-start)
	for j := int(start); j < int(end); j++ {
		if s, ok := strAt(l.ListValues(), j); ok {
			out = append(out, s)
		}
	}
	return out
}

func dvAt(a arrow.Array, i int) *DeletionVector {
	if !valid(a, i) {
		return nil
	}
	d := &DeletionVector{}
	d.StorageType, _ = strAt(child(a, "storageType"), i)
	d.PathOrInlineDv, _ = strAt(child(a, "pathOrInlineDv"), i)
	if off, ok := intAt(child(a, "offset"), i); ok {
		o := int32(off)
		d.Offset = &o
	}
	sz, _ := intAt(child(a, "sizeInBytes"), i)
	d.SizeInBytes = int32(sz)
	d.Cardinality, _ = intAt(child(a, "cardinality"), i)
	return d
}

// nonFileActions reads protocol, metadata, txn, domain metadata, sidecar
// and checkpoint metadata rows of a parquet checkpoint, calling fn with one
// action per row.
// rows (may be nil) is told the file's row count.
func nonFileActions(ctx context.Context, st Storage, fi FileInfo, rows func(n int64), fn func(a *action) error) error {
	// The default allocator: metadata strings are kept without copying.
	return readParquetRows(ctx, st, fi, nil, func(p []string) bool { return len(p) > 0 && nonFileColumns[p[0]] }, rows, func(rec arrow.RecordBatch) error {
		proto, meta, txn := column(rec, "protocol"), column(rec, "metaData"), column(rec, "txn")
		dm, sidecar := column(rec, "domainMetadata"), column(rec, "sidecar")
		for i := 0; i < int(rec.NumRows()); i++ {
			if !valid(proto, i) && !valid(meta, i) && !valid(txn, i) && !valid(dm, i) && !valid(sidecar, i) {
				continue // an add or remove row: nothing to build
			}
			var a action
			switch {
			case valid(proto, i):
				p := &Protocol{}
				r, _ := intAt(child(proto, "minReaderVersion"), i)
				w, _ := intAt(child(proto, "minWriterVersion"), i)
				p.MinReaderVersion, p.MinWriterVersion = int(r), int(w)
				p.ReaderFeatures = stringListAt(child(proto, "readerFeatures"), i)
				p.WriterFeatures = stringListAt(child(proto, "writerFeatures"), i)
				a.Protocol = p
			case valid(meta, i):
				m := &Metadata{Configuration: map[string]string{}}
				m.ID, _ = strAt(child(meta, "id"), i)
				if s, ok := strAt(child(meta, "name"), i); ok {
					m.Name = &s
				}
				if s, ok := strAt(child(meta, "description"), i); ok {
					m.Description = &s
				}
				m.Format.Provider, _ = strAt(child(child(meta, "format"), "provider"), i)
				m.SchemaString, _ = strAt(child(meta, "schemaString"), i)
				m.PartitionColumns = stringListAt(child(meta, "partitionColumns"), i)
				if m.PartitionColumns == nil {
					m.PartitionColumns = []string{}
				}
				mapEach(child(meta, "configuration"), i, func(k, v string, ok bool) {
					if ok {
						m.Configuration[k] = v
					}
				})
				if t, ok := intAt(child(meta, "createdTime"), i); ok {
					m.CreatedTime = &t
				}
				a.MetaData = m
			case valid(txn, i):
				t := &AppTransaction{}
				t.AppID, _ = strAt(child(txn, "appId"), i)
				t.Version, _ = intAt(child(txn, "version"), i)
				if lu, ok := intAt(child(txn, "lastUpdated"), i); ok {
					t.LastUpdated = &lu
				}
				a.Txn = t
			case valid(dm, i):
				d := &DomainMetadata{}
				d.Domain, _ = strAt(child(dm, "domain"), i)
				d.Configuration, _ = strAt(child(dm, "configuration"), i)
				d.Removed, _ = boolAt(child(dm, "removed"), i)
				a.DomainMetadata = d
			case valid(sidecar, i):
				s := &sidecarAction{}
				s.Path, _ = strAt(child(sidecar, "path"), i)
				s.SizeInBytes, _ = intAt(child(sidecar, "sizeInBytes"), i)
				a.Sidecar = s
			default:
				continue
			}
			if err := a.validate(); err != nil {
				return fmt.Errorf("%w: row %d: %v", ErrCorruptLog, i, err)
			}
			if err := fn(&a); err != nil {
				return err
			}
		}
		return nil
	})
}

// readCheckpointAdds reads the add rows of parquet checkpoint parts or
// sidecars concurrently, each into its own builder, skipping files that the
// commits after the checkpoint already reconciled (seen).
// At most limit files are read at once. builders[i], when not nil, is the
// builder for files[i] (a window of the snapshot's arena).
func readCheckpointAdds(ctx context.Context, r *replay, files []FileInfo, limit int, builders []*fileCols) ([]*fileCols, error) {
	out := make([]*fileCols, len(files))
	errs := make([]error, len(files))
	sem := make(chan struct{}, max(1, limit))
	var wg sync.WaitGroup
	for i, fi := range files {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			var fc *fileCols
			if i < len(builders) {
				fc = builders[i]
			}
			hint := func(int64) {}
			if fc == nil {
				fc = newFileCols(r.lay)
				hint = func(n int64) { fc.reserve(int(min(n, fi.Size))) } // never more rows than bytes
			}
			errs[i] = readParquetRows(ctx, r.st, fi, addBuffers, func(p []string) bool {
				return len(p) > 1 && p[0] == "add" && addColumns[p[1]]
			}, hint, func(rec arrow.RecordBatch) error { return r.addBatch(fc, rec) })
			out[i] = fc
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// addBatch appends the live add rows of one record batch.
func (r *replay) addBatch(fc *fileCols, rec arrow.RecordBatch) error {
	add := column(rec, "add")
	if add == nil {
		return nil
	}
	pathA, sizeA, modA := child(add, "path"), child(add, "size"), child(add, "modificationTime")
	pvA, statsA, dvA := child(add, "partitionValues"), child(add, "stats"), child(add, "deletionVector")
	parsed := newParsedStats(r.lay, child(add, "stats_parsed"))
	var pvKeys, pvItems arrow.Array
	pvMap, _ := pvA.(*array.Map)
	if pvMap != nil {
		pvKeys, pvItems = pvMap.Keys(), pvMap.Items()
	}
	for i := 0; i < int(rec.NumRows()); i++ {
		if !add.IsValid(i) {
			continue
		}
		path, ok := strAt(pathA, i)
		if !ok || path == "" {
			return fmt.Errorf("%w: add row %d has no path", ErrCorruptLog, i)
		}
		dv := dvAt(dvA, i)
		if r.isSeen(path, dv) {
			continue
		}
		size, _ := intAt(sizeA, i)
		mod, _ := intAt(modA, i)
		card := int64(-1)
		if dv != nil {
			card = dv.Cardinality
		}
		// Clone: arrow's strings view its buffers, which must not be pinned.
		row := fc.begin(fc.copyPath(decodePath(path)), size, mod, card, dv.uniqueID())
		r.startPartitions(fc)
		if pvMap != nil && pvMap.IsValid(i) {
			start, end := pvMap.ValueOffsets(i)
			for j := int(start); j < int(end); j++ {
				k, _ := strAt(pvKeys, j)
				v, ok := strAt(pvItems, j)
				r.partitionKV(fc, k, v, ok)
			}
		}
		if err := r.endPartitions(fc); err != nil {
			return fmt.Errorf("add %s: %w", path, err)
		}
		if s, ok := strAt(statsA, i); ok && s != "" {
			if err := fc.parseStats(s, row); err != nil {
				return fmt.Errorf("%w: add %s stats: %v", ErrCorruptLog, path, err)
			}
		} else {
			parsed.fill(fc, i, row)
		}
	}
	return nil
}

// parsedStats resolves the stats_parsed struct columns of one batch.
type parsedStats struct {
	numRecords, tight arrow.Array
	min, max, nulls   []arrow.Array // by leaf
}

func newParsedStats(l *layout, sp arrow.Array) *parsedStats {
	if sp == nil {
		return nil
	}
	p := &parsedStats{numRecords: child(sp, "numRecords"), tight: child(sp, "tightBounds")}
	resolve := func(top string) []arrow.Array {
		base := child(sp, top)
		if base == nil {
			return nil
		}
		out := make([]arrow.Array, len(l.leaves))
		for j, lf := range l.leaves {
			a := base
			for _, name := range lf.Physical {
				a = child(a, name)
			}
			out[j] = a
		}
		return out
	}
	p.min, p.max, p.nulls = resolve("minValues"), resolve("maxValues"), resolve("nullCount")
	return p
}

func (p *parsedStats) fill(fc *fileCols, i, row int) {
	if p == nil {
		return
	}
	if n, ok := intAt(p.numRecords, i); ok {
		fc.numRecs[row] = n
	}
	if b, ok := boolAt(p.tight, i); ok {
		fc.tight[row] = 0
		if b {
			fc.tight[row] = 1
		}
	}
	for j := range fc.stats {
		col := &fc.stats[j]
		k, sc := fc.lay.kinds[j], fc.lay.scales[j]
		if p.min != nil {
			if v := arrowValue(p.min[j], i, k, sc); !v.IsNull() {
				setBound(&col.min, row, adjustParsedBound(v, fc.lay.interp[j], false))
				col.any = true
			}
		}
		if p.max != nil {
			if v := arrowValue(p.max[j], i, k, sc); !v.IsNull() {
				setBound(&col.max, row, adjustParsedBound(v, fc.lay.interp[j], true))
				col.any = true
			}
		}
		if p.nulls != nil {
			if n, ok := intAt(p.nulls[j], i); ok {
				col.nulls[row] = n
				col.any = true
			}
		}
	}
}

// arrowValue converts entry i of a to a value of kind k (NULL when absent
// or of another type).
func arrowValue(a arrow.Array, i int, k model.Kind, scale int32) model.Value {
	if !valid(a, i) {
		return model.Null
	}
	switch x := a.(type) {
	case *array.Int8, *array.Int16, *array.Int32, *array.Int64:
		n, _ := intAt(a, i)
		switch k {
		case model.KindInt:
			return model.IntValue(n)
		case model.KindFloat:
			return model.FloatValue(float64(n))
		case model.KindDecimal:
			return model.Value{Kind: model.KindDecimal, Dec: new(big.Int).Mul(big.NewInt(n), new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale)), nil)), Scale: scale}
		}
	case *array.Float32:
		if f := float64(x.Value(i)); k == model.KindFloat && !math.IsNaN(f) {
			return model.FloatValue(f)
		}
	case *array.Float64:
		if f := x.Value(i); k == model.KindFloat && !math.IsNaN(f) {
			return model.FloatValue(f)
		}
	case *array.Decimal128:
		if k == model.KindDecimal {
			d := x.Value(i).BigInt()
			from := x.DataType().(*arrow.Decimal128Type).Scale
			if from == scale {
				return model.Value{Kind: model.KindDecimal, Dec: d, Scale: scale}
			}
			if v, exact := parseDecimal(x.Value(i).ToString(from), scale); exact {
				return model.Value{Kind: model.KindDecimal, Dec: v, Scale: scale}
			}
		}
	case *array.String, *array.LargeString, *array.Binary, *array.LargeBinary:
		s, _ := strAt(a, i)
		if k == model.KindString {
			return model.StringValue(strings.Clone(s)) // s views a decoder buffer
		}
		if k == model.KindBinary {
			return model.BinaryValue([]byte(s))
		}
	case *array.Date32:
		if k == model.KindDate {
			return model.DateValue(int64(x.Value(i)))
		}
	case *array.Timestamp:
		if k == model.KindTimestamp || k == model.KindTimestampNTZ {
			us := int64(x.Value(i))
			switch x.DataType().(*arrow.TimestampType).Unit {
			case arrow.Second:
				us *= 1e6
			case arrow.Millisecond:
				us *= 1e3
			case arrow.Nanosecond:
				us /= 1e3
			}
			return model.Value{Kind: k, Int: us}
		}
	case *array.Boolean:
		if k == model.KindBool {
			return model.BoolValue(x.Value(i))
		}
	}
	return model.Null
}
