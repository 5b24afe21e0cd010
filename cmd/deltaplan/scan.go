package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/deltaplan/deltaplan/delta"
	"github.com/deltaplan/deltaplan/planbundle"
	"github.com/deltaplan/deltaplan/scan"
	"github.com/spf13/cobra"
)

type scanFlags struct {
	pin     pinFlags
	filter  string
	columns string
	limit   int64
	count   bool
	format  string
	output  string
	bundle  string
	unit    string
	threads int
}

// scanCountJSON is `scan --count --json`.
type scanCountJSON struct {
	Rows  int64 `json:"rows"`
	Files int   `json:"files"`
	Bytes int64 `json:"bytes"`
}

func init() {
	register(func() *cobra.Command {
		var f scanFlags
		c := &cobra.Command{
			Use:   "scan [LOCATION]",
			Short: "Read a pinned table version, or one scan unit of a plan bundle, as rows (Arrow underneath)",
			Args:  cobra.MaximumNArgs(1),
			RunE:  func(cmd *cobra.Command, args []string) error { return runScan(cmd, args, &f) },
		}
		f.pin.add(c)
		c.Flags().StringVar(&f.filter, "filter", "", "keep only rows for which this SQL boolean expression is TRUE")
		c.Flags().StringVar(&f.columns, "columns", "", "comma-separated top-level columns to return (default: all)")
		c.Flags().Int64Var(&f.limit, "limit", -1, "stop after N rows")
		c.Flags().BoolVar(&f.count, "count", false, "print the number of rows instead of the rows")
		c.Flags().StringVar(&f.format, "format", "table", "row format: table, jsonl, csv, arrow (IPC stream) or parquet")
		c.Flags().StringVar(&f.output, "output", "", "write rows to FILE instead of stdout")
		c.Flags().StringVar(&f.bundle, "bundle", "", "read one scan unit of this plan bundle (with --unit)")
		c.Flags().StringVar(&f.unit, "unit", "", "the scan unit id (a unique prefix is enough)")
		c.Flags().IntVar(&f.threads, "threads", 0, "files read at once (default: number of CPUs)")
		return c
	})
}

// scanJob is what a scan reads: a table, the files (indices) and options.
type scanJob struct {
	table scan.Table
	files []int
	opts  scan.Options
}

func runScan(cmd *cobra.Command, args []string, f *scanFlags) error {
	ctx := cmd.Context()
	switch f.format {
	case "table", "jsonl", "csv", "arrow", "parquet":
	default:
		return usageError{fmt.Errorf("--format %q: want table, jsonl, csv, arrow or parquet", f.format)}
	}
	if f.pin.json && !f.count {
		if cmd.Flags().Changed("format") && f.format != "jsonl" {
			return usageError{fmt.Errorf("--json prints rows as JSON lines; it conflicts with --format %s", f.format)}
		}
		f.format = "jsonl"
	}
	var job *scanJob
	var err error
	if f.bundle != "" || f.unit != "" {
		if len(args) != 0 || f.bundle == "" || f.unit == "" {
			return usageError{fmt.Errorf("scan --bundle BUNDLE.json --unit ID takes no LOCATION and needs both flags")}
		}
		for _, fl := range []string{"version", "timestamp", "filter", "columns"} {
			if cmd.Flags().Changed(fl) {
				return usageError{fmt.Errorf("--%s does not apply to a scan unit: the unit fixes its version, columns and filters", fl)}
			}
		}
		job, err = unitJob(ctx, f)
	} else {
		if len(args) != 1 {
			return usageError{fmt.Errorf("scan needs a LOCATION (or --bundle and --unit)")}
		}
		job, err = tableJob(ctx, cmd, args[0], f)
	}
	if err != nil {
		return err
	}
	job.opts.Concurrency = f.threads
	stopProgress := scanProgress(job)
	defer stopProgress()
	if f.count {
		n, err := countRows(ctx, job, f.limit)
		stopProgress()
		if err != nil {
			return err
		}
		j := scanCountJSON{Rows: n, Files: len(job.files)}
		for _, i := range job.files {
			j.Bytes += job.table.Snapshot.Files.Sizes[i]
		}
		if f.pin.json {
			return writeJSON(cmd.OutOrStdout(), j)
		}
		_, err = fmt.Fprintf(cmd.OutOrStdout(), "%d rows (%d files, %d bytes)\n", j.Rows, j.Files, j.Bytes)
		return err
	}
	schema, seq, err := scan.Files(ctx, job.table, job.files, job.opts)
	if err != nil {
		return err
	}
	w := cmd.OutOrStdout()
	if f.output != "" {
		fh, err := os.Create(f.output)
		if err != nil {
			return fmt.Errorf("--output: %w", err)
		}
		defer fh.Close()
		w = fh
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	if err := writeRows(bw, f.format, schema, limitRows(seq, f.limit), stopProgress); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write rows: %w", err)
	}
	if fh, ok := w.(*os.File); ok && f.output != "" {
		if err := fh.Close(); err != nil {
			return fmt.Errorf("--output: %w", err)
		}
	}
	return nil
}

// tableJob pins LOCATION, prunes its files with --filter and reads the
// kept ones with the filter applied to rows.
func tableJob(ctx context.Context, cmd *cobra.Command, location string, f *scanFlags) (*scanJob, error) {
	opts, err := f.pin.options(cmd)
	if err != nil {
		return nil, err
	}
	tbl, err := openTable(ctx, location)
	if err != nil {
		return nil, err
	}
	s, err := tbl.Snapshot(ctx, opts...)
	if err != nil {
		return nil, err
	}
	job := &scanJob{table: scan.Table{Storage: tbl.Storage(), Snapshot: s}}
	if cmd.Flags().Changed("columns") {
		job.opts.Columns = []string{}
		for _, c := range strings.Split(f.columns, ",") {
			if c = strings.TrimSpace(c); c != "" {
				job.opts.Columns = append(job.opts.Columns, c)
			}
		}
	}
	if cmd.Flags().Changed("filter") {
		_, pred, err := parseFilters([]string{f.filter})
		if err != nil {
			return nil, err
		}
		pr, err := newSnapshotPruner(s, pred)
		if err != nil {
			return nil, err
		}
		kept, err := pr.Keep(s.Files)
		if err != nil {
			return nil, err
		}
		job.files, job.opts.Filter = kept, pred
	} else {
		job.files = allFiles(s)
	}
	return job, nil
}

func allFiles(s *delta.Snapshot) []int {
	out := make([]int, s.Files.Len())
	for i := range out {
		out[i] = i
	}
	return out
}

// unitJob reads exactly one unit of a bundle: its table at its pinned
// version, its files (each must be active there), its projected columns
// and its pushed filters.
func unitJob(ctx context.Context, f *scanFlags) (*scanJob, error) {
	fh, err := os.Open(f.bundle)
	if err != nil {
		return nil, fmt.Errorf("--bundle: %w", err)
	}
	defer fh.Close()
	b, err := planbundle.Read(fh, f.bundle)
	if err != nil {
		return nil, err
	}
	var u *planbundle.ScanUnit
	for i := range b.ScanUnits {
		if strings.HasPrefix(b.ScanUnits[i].ID, f.unit) {
			if u != nil {
				return nil, usageError{fmt.Errorf("--unit %s: matches units %s and %s", f.unit, u.ID, b.ScanUnits[i].ID)}
			}
			u = &b.ScanUnits[i]
		}
	}
	if u == nil {
		return nil, fmt.Errorf("%s: no scan unit %s", f.bundle, f.unit)
	}
	loc, version, err := unitTable(b, *u)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.bundle, err)
	}
	tbl, err := openTable(ctx, loc)
	if err != nil {
		return nil, err
	}
	s, err := tbl.Snapshot(ctx, delta.AtVersion(version))
	if err != nil {
		return nil, err
	}
	job := &scanJob{table: scan.Table{Storage: tbl.Storage(), Snapshot: s}}
	if job.files, job.opts, err = scan.ForUnit(job.table, *u, scan.Options{}); err != nil {
		return nil, fmt.Errorf("%s: %w", f.bundle, err)
	}
	return job, nil
}

func countRows(ctx context.Context, job *scanJob, limit int64) (int64, error) {
	opts := job.opts
	opts.Columns = []string{}
	_, seq, err := scan.Files(ctx, job.table, job.files, opts)
	if err != nil {
		return 0, err
	}
	var n int64
	for rec, err := range limitRows(seq, limit) {
		if err != nil {
			return 0, err
		}
		n += rec.NumRows()
		rec.Release()
	}
	return n, nil
}

// limitRows stops a stream after limit rows (limit < 0: no limit),
// slicing the last batch.
func limitRows(seq iter.Seq2[arrow.RecordBatch, error], limit int64) iter.Seq2[arrow.RecordBatch, error] {
	if limit < 0 {
		return seq
	}
	return func(yield func(arrow.RecordBatch, error) bool) {
		left := limit
		if left == 0 {
			return
		}
		for rec, err := range seq {
			if err != nil {
				yield(nil, err)
				return
			}
			if rec.NumRows() > left {
				cut := rec.NewSlice(0, left)
				rec.Release()
				rec = cut
			}
			left -= rec.NumRows()
			if !yield(rec, nil) || left == 0 {
				return
			}
		}
	}
}

// writeRows prints every batch in one format; done is called before the
// first byte so terminal progress is gone by then.
func writeRows(w io.Writer, format string, schema *arrow.Schema, seq iter.Seq2[arrow.RecordBatch, error], done func()) error {
	var (
		sink  func(arrow.RecordBatch) error
		close func() error
		once  sync.Once
	)
	start := func() error {
		var err error
		once.Do(func() {
			done()
			sink, close, err = newSink(w, format, schema)
		})
		return err
	}
	for rec, err := range seq {
		if err != nil {
			return err
		}
		if err := start(); err != nil {
			rec.Release()
			return err
		}
		err := sink(rec)
		rec.Release()
		if err != nil {
			return fmt.Errorf("write rows: %w", err)
		}
	}
	if err := start(); err != nil {
		return err
	}
	if err := close(); err != nil {
		return fmt.Errorf("write rows: %w", err)
	}
	return nil
}

func newSink(w io.Writer, format string, schema *arrow.Schema) (func(arrow.RecordBatch) error, func() error, error) {
	switch format {
	case "arrow":
		iw := ipc.NewWriter(w, ipc.WithSchema(schema))
		return iw.Write, iw.Close, nil
	case "parquet":
		pw, err := pqarrow.NewFileWriter(schema, w, nil, pqarrow.DefaultWriterProps())
		if err != nil {
			return nil, nil, err
		}
		return pw.WriteBuffered, pw.Close, nil
	case "csv":
		cw := csv.NewWriter(w)
		if err := cw.Write(fieldNames(schema)); err != nil {
			return nil, nil, err
		}
		return func(rec arrow.RecordBatch) error {
				row := make([]string, rec.NumCols())
				for i := 0; i < int(rec.NumRows()); i++ {
					for c := range row {
						row[c] = cellText(rec.Column(c), i, "")
					}
					if err := cw.Write(row); err != nil {
						return err
					}
				}
				return nil
			}, func() error {
				cw.Flush()
				return cw.Error()
			}, nil
	case "jsonl":
		names := make([][]byte, schema.NumFields())
		for i, n := range fieldNames(schema) {
			names[i], _ = json.Marshal(n)
		}
		return func(rec arrow.RecordBatch) error {
			var line []byte
			for i := 0; i < int(rec.NumRows()); i++ {
				line = append(line[:0], '{')
				for c := 0; c < int(rec.NumCols()); c++ {
					if c > 0 {
						line = append(line, ',')
					}
					line = append(line, names[c]...)
					line = append(line, ':')
					v, err := json.Marshal(rec.Column(c).GetOneForMarshal(i))
					if err != nil {
						return err
					}
					line = append(line, v...)
				}
				line = append(line, '}', '\n')
				if _, err := w.Write(line); err != nil {
					return err
				}
			}
			return nil
		}, func() error { return nil }, nil
	}
	// table
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(fieldNames(schema), "\t"))
	return func(rec arrow.RecordBatch) error {
		row := make([]string, rec.NumCols())
		for i := 0; i < int(rec.NumRows()); i++ {
			for c := range row {
				row[c] = cellText(rec.Column(c), i, "NULL")
			}
			if _, err := fmt.Fprintln(tw, strings.Join(row, "\t")); err != nil {
				return err
			}
		}
		return nil
	}, tw.Flush, nil
}

func fieldNames(s *arrow.Schema) []string {
	out := make([]string, s.NumFields())
	for i, f := range s.Fields() {
		out[i] = f.Name
	}
	return out
}

func cellText(a arrow.Array, i int, null string) string {
	if a.IsNull(i) {
		return null
	}
	switch a := a.(type) {
	case *array.Timestamp:
		t := a.DataType().(*arrow.TimestampType)
		s := a.Value(i).ToTime(t.Unit).UTC().Format("2006-01-02 15:04:05.999999")
		if t.TimeZone != "" {
			s += "Z"
		}
		return s
	}
	return a.ValueStr(i)
}

// scanProgress shows files and rows read on a terminal (nothing when
// stderr is piped); the returned function erases it and is idempotent.
func scanProgress(job *scanJob) func() {
	w := progressOutput()
	if w == nil {
		return func() {}
	}
	var files, rows atomic.Int64
	total := len(job.files)
	var mu sync.Mutex
	stopped := false
	job.opts.Progress = func(_ string, n int64) {
		f := files.Add(1)
		r := rows.Add(n)
		mu.Lock()
		defer mu.Unlock()
		if !stopped {
			fmt.Fprintf(w, "\r\033[Kscan: %d/%d files, %d rows", f, total, r)
		}
	}
	return func() {
		mu.Lock()
		defer mu.Unlock()
		if !stopped {
			stopped = true
			fmt.Fprint(w, "\r\033[K")
		}
	}
}
