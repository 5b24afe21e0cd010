package scan

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/RoaringBitmap/roaring/v2/roaring64"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/deltaplan/deltaplan/deletionvector"
	"github.com/deltaplan/deltaplan/delta"
)

// rangeFile adapts Storage.ReadRange to parquet's io.ReaderAt + Seeker.
type rangeFile struct {
	ctx  context.Context
	st   delta.Storage
	path string
	size int64
	pos  int64
}

func (f *rangeFile) ReadAt(b []byte, off int64) (int, error) {
	if off >= f.size {
		return 0, io.EOF
	}
	data, err := f.st.ReadRange(f.ctx, f.path, off, int64(len(b)))
	if err != nil {
		return 0, err
	}
	n := copy(b, data)
	if n < len(b) {
		return n, io.ErrUnexpectedEOF
	}
	return n, nil
}

func (f *rangeFile) Read(b []byte) (int, error) {
	n, err := f.ReadAt(b, f.pos)
	f.pos += int64(n)
	return n, err
}

func (f *rangeFile) Seek(off int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
		f.pos = off
	case io.SeekCurrent:
		f.pos += off
	case io.SeekEnd:
		f.pos = f.size + off
	}
	if f.pos < 0 {
		return 0, fmt.Errorf("seek before start")
	}
	return f.pos, nil
}

var _ parquet.ReaderAtSeeker = (*rangeFile)(nil)

// storagePath turns a log path (percent-decoded, relative or an absolute
// URI) into a path relative to the table root.
func (p *plan) storagePath(logPath string) (string, error) {
	if !strings.Contains(logPath, "://") && !strings.HasPrefix(logPath, "/") {
		return logPath, nil
	}
	root := strings.TrimSuffix(p.t.Snapshot.Location, "/") + "/"
	for _, r := range []string{root, "file://" + root, "file:" + root} {
		if strings.HasPrefix(logPath, r) {
			return strings.TrimPrefix(logPath, r), nil
		}
	}
	return "", fmt.Errorf("%w: %s: absolute path outside the table root %s", ErrDataFile, logPath, p.t.Snapshot.Location)
}

// readFile reads file fi, calling emit with each non-empty output batch
// (emit owns it); emit returning false stops the read.
func (p *plan) readFile(ctx context.Context, fi int, emit func(arrow.RecordBatch) bool) (err error) {
	fs := p.t.Snapshot.Files
	logPath := fs.Paths[fi]
	defer func() {
		if r := recover(); r != nil { // a corrupt file must not take the process down
			err = fmt.Errorf("%w: %s: %v", ErrDataFile, logPath, r)
		}
	}()
	path, err := p.storagePath(logPath)
	if err != nil {
		return err
	}
	var dv *roaring64.Bitmap
	if id := fs.DVIDs[fi]; id != "" {
		d, err := deletionvector.ParseUniqueID(id, fs.DVCardinality[fi])
		if err != nil {
			return fmt.Errorf("data file %s: %w", logPath, err)
		}
		if dv, err = deletionvector.Load(ctx, p.t.Storage, d); err != nil {
			return fmt.Errorf("data file %s: %w", logPath, err)
		}
	}
	rf := &rangeFile{ctx: ctx, st: p.t.Storage, path: path, size: fs.Sizes[fi]}
	props := parquet.NewReaderProperties(p.mem)
	pf, err := file.NewParquetReader(rf, file.WithReadProps(props))
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrDataFile, logPath, err)
	}
	defer pf.Close()
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: p.batch}, p.mem)
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrDataFile, logPath, err)
	}
	// Locate each data column in the file's top-level fields.
	src := make([]int, len(p.fields)) // manifest field index, -1 when absent/partition
	names := make([]string, len(p.fields))
	var leaves []int
	for i, of := range p.fields {
		src[i] = -1
		if of.part >= 0 {
			continue
		}
		src[i] = findField(fr.Manifest.Fields, of.field, p.mode)
		if src[i] >= 0 {
			names[i] = fr.Manifest.Fields[src[i]].Field.Name
			leaves = append(leaves, leafIndices(&fr.Manifest.Fields[src[i]])...)
		}
	}
	skip, err := p.skipRowGroups(pf, fr, fi, src)
	if err != nil {
		return fmt.Errorf("data file %s: row-group statistics: %w", logPath, err)
	}
	var rgStart int64
	for rg := 0; rg < pf.NumRowGroups(); rg++ {
		rgRows := pf.MetaData().RowGroup(rg).NumRows()
		if skip != nil && skip[rg] {
			rgStart += rgRows
			continue
		}
		more, err := p.readRowGroup(ctx, fr, rg, rgStart, rgRows, leaves, src, names, fi, dv, emit)
		if err != nil {
			return fmt.Errorf("%w: %s: row group %d: %w", ErrDataFile, logPath, rg, err)
		}
		if !more {
			return nil
		}
		rgStart += rgRows
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if dv != nil && !dv.IsEmpty() && dv.Maximum() >= uint64(rgStart) {
		return fmt.Errorf("data file %s: deletion vector deletes row %d of a %d-row file", logPath, dv.Maximum(), rgStart)
	}
	return nil
}

func (p *plan) readRowGroup(ctx context.Context, fr *pqarrow.FileReader, rg int, rgStart, rgRows int64, leaves, src []int, names []string, fi int, dv *roaring64.Bitmap, emit func(arrow.RecordBatch) bool) (bool, error) {
	if len(leaves) == 0 {
		// Nothing to read from the file (a count, or only partition
		// columns): batches of the row group's length.
		for off := int64(0); off < rgRows; off += p.batch {
			n := min(p.batch, rgRows-off)
			more, err := p.finish(ctx, nil, nil, n, rgStart+off, src, names, fi, dv, emit)
			if err != nil || !more {
				return more, err
			}
		}
		return true, nil
	}
	rr, err := fr.GetRecordReader(ctx, leaves, []int{rg})
	if err != nil {
		return false, err
	}
	defer rr.Release()
	off := rgStart
	for rr.Next() {
		rec := rr.RecordBatch()
		n := rec.NumRows()
		more, err := p.finish(ctx, rec, rr.Schema(), n, off, src, names, fi, dv, emit)
		if err != nil || !more {
			return more, err
		}
		off += n
	}
	if err := rr.Err(); err != nil && !errors.Is(err, io.EOF) {
		return false, err
	}
	if off-rgStart != rgRows {
		return false, fmt.Errorf("read %d of %d rows", off-rgStart, rgRows)
	}
	return true, nil
}

// finish turns one batch of file columns into output: logical columns,
// deletion vector, filter, projection.
func (p *plan) finish(ctx context.Context, rec arrow.RecordBatch, fileSchema *arrow.Schema, n, rowStart int64, src []int, names []string, fi int, dv *roaring64.Bitmap, emit func(arrow.RecordBatch) bool) (bool, error) {
	cols := make([]arrow.Array, len(p.fields))
	defer func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}()
	// Find each read field in the record by its top-level name (parquet
	// top-level names are unique), whatever order the reader returns.
	pos := make([]int, len(src))
	for i, name := range names {
		pos[i] = -1
		if name != "" && fileSchema != nil {
			if idx := fileSchema.FieldIndices(name); len(idx) == 1 {
				pos[i] = idx[0]
			}
		}
		if src[i] >= 0 && pos[i] < 0 {
			return false, fmt.Errorf("internal: column %s not in the batch read", name)
		}
	}
	for i, of := range p.fields {
		var err error
		switch {
		case of.part >= 0:
			cols[i], err = partitionArray(p.mem, of.arrow.Type, p.t.Snapshot.Files.Partitions[of.part].Values.Get(fi), int(n))
		case src[i] < 0:
			cols[i] = array.MakeArrayOfNull(p.mem, of.arrow.Type, int(n))
		default:
			cols[i], err = conform(ctx, p.mem, rec.Column(pos[i]), of.arrow.Type, of.field.Type, p.mode)
		}
		if err != nil {
			return false, fmt.Errorf("column %s: %w", of.field.Name, err)
		}
	}
	keep, err := p.mask(cols, n, rowStart, dv)
	if err != nil {
		return false, err
	}
	out := p.project(cols, n)
	defer out.Release()
	if keep != nil {
		defer keep.Release()
		filtered, err := compute.FilterRecordBatch(ctx, out, keep, compute.DefaultFilterOptions())
		if err != nil {
			return false, err
		}
		if filtered.NumRows() == 0 {
			filtered.Release()
			return true, nil
		}
		return emit(filtered), nil
	}
	if n == 0 {
		return true, nil
	}
	out.Retain()
	return emit(out), nil
}

func (p *plan) project(cols []arrow.Array, n int64) arrow.RecordBatch {
	return array.NewRecordBatch(p.schema, cols[:p.nOut], n)
}

// mask is the rows to keep: not deleted and filter TRUE; nil keeps all.
func (p *plan) mask(cols []arrow.Array, n, rowStart int64, dv *roaring64.Bitmap) (*array.Boolean, error) {
	var keep []bool
	if dv != nil && !dv.IsEmpty() && dv.Maximum() >= uint64(rowStart) && dv.Minimum() < uint64(rowStart+n) {
		keep = make([]bool, n)
		for i := range keep {
			keep[i] = true
		}
		it := dv.Iterator()
		it.AdvanceIfNeeded(uint64(rowStart))
		for it.HasNext() {
			r := it.Next()
			if r >= uint64(rowStart+n) {
				break
			}
			keep[r-uint64(rowStart)] = false
		}
	}
	if p.filter != nil {
		tv, err := p.filter.eval(cols, int(n))
		if err != nil {
			return nil, err
		}
		if keep == nil {
			keep = make([]bool, n)
			for i := range keep {
				keep[i] = true
			}
		}
		for i, t := range tv {
			if t != triTrue {
				keep[i] = false
			}
		}
	}
	if keep == nil {
		return nil, nil
	}
	b := array.NewBooleanBuilder(p.mem)
	defer b.Release()
	b.AppendValues(keep, nil)
	return b.NewBooleanArray(), nil
}

// findField returns the index of the file's top-level field that holds f:
// by parquet field id in id mode (when the file has ids), else by
// physical name.
func findField(fields []pqarrow.SchemaField, f *delta.Field, mode string) int {
	if mode == "id" {
		if id, ok := columnID(f); ok {
			for i := range fields {
				if v, ok := fieldID(fields[i].Field); ok && v == id {
					return i
				}
			}
		}
	}
	name := f.PhysicalName(mode)
	for i := range fields {
		if fields[i].Field.Name == name {
			return i
		}
	}
	return -1
}

func columnID(f *delta.Field) (int64, bool) {
	raw, ok := f.Metadata["delta.columnMapping.id"]
	if !ok {
		return 0, false
	}
	var id int64
	if json.Unmarshal(raw, &id) != nil {
		return 0, false
	}
	return id, true
}

// fieldID is the parquet field id pqarrow records in field metadata.
func fieldID(f *arrow.Field) (int64, bool) {
	i := f.Metadata.FindKey("PARQUET:field_id")
	if i < 0 {
		return 0, false
	}
	v, err := strconv.ParseInt(f.Metadata.Values()[i], 10, 64)
	return v, err == nil
}

func leafIndices(f *pqarrow.SchemaField) []int {
	if f.IsLeaf() {
		return []int{f.ColIndex}
	}
	var out []int
	for i := range f.Children {
		out = append(out, leafIndices(&f.Children[i])...)
	}
	return out
}
