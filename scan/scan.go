package scan

import (
	"context"
	"fmt"
	"iter"
	"runtime"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/deltaplan/deltaplan/delta"
	"github.com/deltaplan/deltaplan/model"
	"github.com/deltaplan/deltaplan/scanunit"
)

// Options shape a read. The zero value reads every column of every row.
type Options struct {
	// Columns are top-level logical column names to return, in table order
	// whatever order they are given in; nil means all.
	Columns []string
	// Filter keeps the rows on which it is TRUE; nil keeps all.
	Filter model.Pred
	// Concurrency bounds the files read at once; 0 means GOMAXPROCS.
	Concurrency int
	// BatchSize is the most rows per batch read from a file; 0 means 65536.
	BatchSize int64
	// Allocator for every batch; nil means memory.DefaultAllocator.
	Allocator memory.Allocator
	// Progress, when set, is called after each file is read with the file's
	// path and the rows it yielded (from the reading goroutines: it must be
	// safe for concurrent use).
	Progress func(path string, rows int64)
}

// Table is what a read needs of a table: its storage (paths relative to
// the table root) and the pinned snapshot.
type Table struct {
	Storage  delta.Storage
	Snapshot *delta.Snapshot
}

// plan is an immutable description of one read, shared by the file
// readers.
type plan struct {
	t      Table
	mode   string
	schema *arrow.Schema // output
	fields []outField    // output columns then filter-only columns
	nOut   int
	filter *evaluator
	// rgPruner skips row groups by parquet statistics; nil without a filter
	// or when the filter is one the pruner does not take.
	rgPruner *scanunit.Pruner
	batch    int64
	mem      memory.Allocator
	conc     int
	partIdx  map[string]int // logical partition name -> index in FileSet.Partitions
	prog     func(string, int64)
}

// outField is one top-level column a read materializes.
type outField struct {
	field *delta.Field
	arrow arrow.Field
	part  int // index in FileSet.Partitions, -1 for a data column
}

func newPlan(t Table, opts Options) (*plan, error) {
	s := t.Snapshot
	if s == nil || s.Files == nil || s.Metadata.Schema == nil {
		return nil, fmt.Errorf("scan: snapshot without files or schema")
	}
	p := &plan{t: t, mode: s.Metadata.ColumnMappingMode(), batch: opts.BatchSize, mem: opts.Allocator, conc: opts.Concurrency, prog: opts.Progress}
	if p.batch <= 0 {
		p.batch = 1 << 16
	}
	if p.mem == nil {
		p.mem = memory.DefaultAllocator
	}
	if p.conc <= 0 {
		p.conc = runtime.GOMAXPROCS(0)
	}
	p.partIdx = map[string]int{}
	for j, pc := range s.Files.Partitions {
		p.partIdx[pc.Name] = j
	}
	full, err := s.Metadata.Schema.ArrowSchema()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSchema, err)
	}
	want := map[string]bool{}
	for _, c := range opts.Columns {
		if _, ok := s.Metadata.Schema.Field(c); !ok {
			return nil, fmt.Errorf("%w: no column %q (columns: %s)", ErrSchema, c, columnNames(s.Metadata.Schema))
		}
		want[c] = true
	}
	need := map[string]bool{}
	if opts.Filter != nil {
		for _, c := range model.Columns(opts.Filter) {
			if _, ok := s.Metadata.Schema.Field(c[0]); !ok {
				return nil, fmt.Errorf("%w: filter reads column %q, which the table lacks (columns: %s)", ErrFilter, c, columnNames(s.Metadata.Schema))
			}
			need[c[0]] = true
		}
	}
	var outArrow []arrow.Field
	add := func(i int) {
		f := &s.Metadata.Schema.Fields[i]
		part := -1
		if j, ok := p.partIdx[f.Name]; ok {
			part = j
		}
		p.fields = append(p.fields, outField{field: f, arrow: full.Field(i), part: part})
	}
	for i, f := range s.Metadata.Schema.Fields {
		if opts.Columns == nil || want[f.Name] {
			add(i)
			outArrow = append(outArrow, full.Field(i))
		}
	}
	p.nOut = len(p.fields)
	for i, f := range s.Metadata.Schema.Fields {
		if need[f.Name] && !(opts.Columns == nil || want[f.Name]) {
			add(i)
		}
	}
	p.schema = arrow.NewSchema(outArrow, nil)
	if opts.Filter != nil {
		cols := make([]*delta.Field, len(p.fields))
		for i := range p.fields {
			cols[i] = p.fields[i].field
		}
		if p.filter, err = newEvaluator(opts.Filter, cols); err != nil {
			return nil, err
		}
		// Skipping is an optimization: a filter the pruner cannot take
		// reads every row group.
		if pr, err := newRowGroupPruner(opts.Filter, p); err == nil {
			p.rgPruner = pr
		}
	}
	return p, nil
}

func columnNames(s *delta.Schema) string {
	names := make([]string, len(s.Fields))
	for i, f := range s.Fields {
		names[i] = f.Name
	}
	return strings.Join(names, ", ")
}

// Snapshot reads every active file of t's snapshot.
func Snapshot(ctx context.Context, t Table, opts Options) (*arrow.Schema, iter.Seq2[arrow.RecordBatch, error], error) {
	if t.Snapshot == nil || t.Snapshot.Files == nil {
		return nil, nil, fmt.Errorf("scan: nil snapshot")
	}
	idx := make([]int, t.Snapshot.Files.Len())
	for i := range idx {
		idx[i] = i
	}
	return Files(ctx, t, idx, opts)
}

// Files reads the files of t's snapshot at the given indices (into
// Snapshot.Files), in that order; nil means every active file. The returned schema is that of every
// batch, known before any file is opened. Each yielded batch belongs to the
// caller, who must Release it; stopping early cancels the reads in flight.
func Files(ctx context.Context, t Table, files []int, opts Options) (*arrow.Schema, iter.Seq2[arrow.RecordBatch, error], error) {
	p, err := newPlan(t, opts)
	if err != nil {
		return nil, nil, err
	}
	n := t.Snapshot.Files.Len()
	if files == nil {
		files = make([]int, n)
		for i := range files {
			files[i] = i
		}
	}
	for _, i := range files {
		if i < 0 || i >= n {
			return nil, nil, fmt.Errorf("scan: file index %d out of range [0, %d)", i, n)
		}
	}
	files = slices.Clone(files)
	return p.schema, func(yield func(arrow.RecordBatch, error) bool) { p.run(ctx, files, yield) }, nil
}

// result is one item a file reader hands to the consumer.
type result struct {
	rec arrow.RecordBatch
	err error
}

// run reads files with at most p.conc in flight, each into its own small
// channel, and yields them in file order. A slow consumer stalls the
// readers once their channels fill, which bounds memory.
func (p *plan) run(ctx context.Context, files []int, yield func(arrow.RecordBatch, error) bool) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	chans := make([]chan result, len(files))
	for i := range chans {
		chans[i] = make(chan result, 2)
	}
	sem := make(chan struct{}, p.conc)
	go func() {
		for k, fi := range files {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				for _, c := range chans[k:] {
					c <- result{err: ctx.Err()}
					close(c)
				}
				return
			}
			go func(c chan result, fi int) {
				defer func() { <-sem }()
				defer close(c)
				var rows int64
				err := p.readFile(ctx, fi, func(rec arrow.RecordBatch) bool {
					rows += rec.NumRows()
					select {
					case c <- result{rec: rec}:
						return true
					case <-ctx.Done():
						rec.Release()
						return false
					}
				})
				if err == nil {
					err = ctx.Err()
				}
				if err != nil {
					c <- result{err: err}
					return
				}
				if p.prog != nil {
					p.prog(p.t.Snapshot.Files.Paths[fi], rows)
				}
			}(chans[k], fi)
		}
	}()
	stopped := false
	for _, c := range chans {
		for r := range c {
			if stopped {
				if r.rec != nil {
					r.rec.Release()
				}
				continue
			}
			if r.err != nil {
				stopped = true
				cancel()
				yield(nil, r.err)
				continue
			}
			if !yield(r.rec, nil) {
				stopped = true
				cancel()
			}
		}
	}
}

// Count returns the rows a read of files (nil: all) yields, reading only
// the columns the filter needs.
func Count(ctx context.Context, t Table, files []int, opts Options) (int64, error) {
	if opts.Columns == nil {
		opts.Columns = []string{} // no output columns: only what the filter needs
	}
	_, seq, err := Files(ctx, t, files, opts)
	if err != nil {
		return 0, err
	}
	var n int64
	for rec, err := range seq {
		if err != nil {
			return 0, err
		}
		n += rec.NumRows()
		rec.Release()
	}
	return n, nil
}
