package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/deltaplan/deltaplan/delta"
	"github.com/deltaplan/deltaplan/internal/barchart"
	"github.com/deltaplan/deltaplan/model"
	"github.com/deltaplan/deltaplan/scanunit"
	"github.com/spf13/cobra"
)

// benchSubcommands lets other files add `deltaplan bench X` commands.
var benchSubcommands []func() *cobra.Command

func init() {
	benchSubcommands = append(benchSubcommands, newBenchPrune)
	register(func() *cobra.Command {
		c := &cobra.Command{
			Use:   "bench",
			Short: "Measure deltaplan stages on real tables",
			Args:  cobra.NoArgs,
		}
		for _, f := range benchSubcommands {
			sub := f()
			if sub.Args != nil {
				sub.Args = usageArgs(sub.Args)
			}
			c.AddCommand(sub)
		}
		return c
	})
}

type benchPruneJSON struct {
	Location   string          `json:"location"`
	Version    int64           `json:"version"`
	Files      int             `json:"files"`
	Bytes      int64           `json:"bytes"`
	Runs       int             `json:"runs"`
	Predicates []benchPredJSON `json:"predicates"`
}

type benchPredJSON struct {
	Filter    string  `json:"filter"`     // as given
	Canonical string  `json:"canonical"`  // the parsed predicate's canonical text
	Conjuncts int     `json:"conjuncts"`  // top-level conjuncts
	KeptFiles int     `json:"kept_files"` // files that must be read
	KeptBytes int64   `json:"kept_bytes"`
	NsPerFile float64 `json:"ns_per_file"`          // column-at-a-time evaluator, fastest run
	PerFileNs float64 `json:"per_file_ns_per_file"` // straightforward per-file evaluator, fastest run
	EvalsPerS float64 `json:"file_evals_per_second"`
}

func newBenchPrune() *cobra.Command {
	var (
		f       pinFlags
		filters []string
		runs    int
		report  string
	)
	c := &cobra.Command{
		Use:   "prune LOCATION --filter EXPR [--filter EXPR ...]",
		Short: "Time file pruning for each filter and report files and bytes kept",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(filters) == 0 {
				return usageError{fmt.Errorf("bench prune: give at least one --filter")}
			}
			if runs < 1 {
				return usageError{fmt.Errorf("bench prune: --runs must be at least 1, got %d", runs)}
			}
			opts, err := f.options(cmd)
			if err != nil {
				return err
			}
			s, err := pin(cmd.Context(), args[0], opts)
			if err != nil {
				return err
			}
			progress := progressWriter(cmd)
			res, err := benchPrune(s, filters, runs, progress)
			if err != nil {
				return err
			}
			if report != "" {
				if err := writePruneReport(report, res); err != nil {
					return err
				}
			}
			if f.json {
				return writeJSON(cmd.OutOrStdout(), res)
			}
			return printBenchPrune(cmd.OutOrStdout(), res)
		},
	}
	f.add(c)
	c.Flags().StringArrayVar(&filters, "filter", nil, "a SQL boolean filter to prune with (repeatable)")
	c.Flags().IntVar(&runs, "runs", 5, "timed runs per filter; the fastest is reported")
	c.Flags().StringVar(&report, "report", "", "write prune.md and prune.svg (a chart) into this directory")
	return c
}

// progressWriter returns stderr when stdout is a terminal (a human is
// watching), else nil: piped output stays clean.
func progressWriter(cmd *cobra.Command) io.Writer {
	out, ok := cmd.OutOrStdout().(*os.File)
	if !ok {
		return nil
	}
	st, err := out.Stat()
	if err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return nil
	}
	return cmd.ErrOrStderr()
}

func benchPrune(s *delta.Snapshot, filters []string, runs int, progress io.Writer) (benchPruneJSON, error) {
	fs := s.Files
	res := benchPruneJSON{Location: s.Location, Version: s.Version, Files: fs.Len(), Runs: runs, Predicates: []benchPredJSON{}}
	for _, sz := range fs.Sizes {
		res.Bytes += sz
	}
	schema, err := snapshotSchema(s)
	if err != nil {
		return res, err
	}
	for qi, text := range filters {
		if progress != nil {
			fmt.Fprintf(progress, "\rbench prune: filter %d/%d ", qi+1, len(filters))
		}
		pred, err := scanunit.ParseFilter(text)
		if err != nil {
			return res, usageError{fmt.Errorf("--filter %q: %w", text, err)}
		}
		pr, err := scanunit.NewPruner(pred, schema)
		if err != nil {
			return res, usageError{fmt.Errorf("--filter %q on %s: %w", text, s.Location, err)}
		}
		var verdicts []scanunit.Verdict
		best := time.Duration(1<<63 - 1)
		for r := 0; r < runs; r++ {
			start := time.Now()
			verdicts, err = pr.Eval(fs)
			if err != nil {
				return res, fmt.Errorf("prune %s: %w", s.Location, err)
			}
			best = min(best, time.Since(start))
		}
		bestPer := time.Duration(1<<63 - 1)
		for r := 0; r < runs; r++ {
			start := time.Now()
			for i := 0; i < fs.Len(); i++ {
				if _, err := pr.EvalFile(fs, i); err != nil {
					return res, fmt.Errorf("prune %s: %w", s.Location, err)
				}
			}
			bestPer = min(bestPer, time.Since(start))
		}
		p := benchPredJSON{Filter: text, Canonical: pred.String(), Conjuncts: len(model.Conjuncts(pred))}
		for i, v := range verdicts {
			if v.Keep() {
				p.KeptFiles++
				p.KeptBytes += fs.Sizes[i]
			}
		}
		if n := fs.Len(); n > 0 {
			p.NsPerFile = float64(best.Nanoseconds()) / float64(n)
			p.PerFileNs = float64(bestPer.Nanoseconds()) / float64(n)
			if best > 0 {
				p.EvalsPerS = float64(n*p.Conjuncts) / best.Seconds()
			}
		}
		res.Predicates = append(res.Predicates, p)
	}
	if progress != nil {
		fmt.Fprint(progress, "\r\033[K")
	}
	return res, nil
}

func printBenchPrune(w io.Writer, r benchPruneJSON) error {
	fmt.Fprintf(w, "%s at version %d: %d files, %d bytes; fastest of %d runs\n", r.Location, r.Version, r.Files, r.Bytes, r.Runs)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "#\tFILES BEFORE\tFILES AFTER\tBYTES BEFORE\tBYTES AFTER\tNS/FILE\tPER-FILE NS/FILE\tFILTER")
	for i, p := range r.Predicates {
		fmt.Fprintf(tw, "%d\t%d\t%d\t%d\t%d\t%.1f\t%.1f\t%s\n", i+1, r.Files, p.KeptFiles, r.Bytes, p.KeptBytes, p.NsPerFile, p.PerFileNs, p.Canonical)
	}
	return tw.Flush()
}

// writePruneReport writes DIR/prune.md and the chart DIR/prune.svg.
func writePruneReport(dir string, r benchPruneJSON) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("report directory %s: %w", dir, err)
	}
	var md strings.Builder
	fmt.Fprintf(&md, "# Pruning benchmark\n\nTable `%s` at version %d: %d files, %d bytes. Times are the fastest of %d runs.\n\n",
		r.Location, r.Version, r.Files, r.Bytes, r.Runs)
	md.WriteString("| # | filter | files before | files after | bytes before | bytes after | ns/file (columnar) | ns/file (per-file) |\n")
	md.WriteString("|---|---|---:|---:|---:|---:|---:|---:|\n")
	for i, p := range r.Predicates {
		fmt.Fprintf(&md, "| %d | `%s` | %d | %d | %d | %d | %.1f | %.1f |\n", i+1,
			strings.ReplaceAll(p.Canonical, "|", `\|`), r.Files, p.KeptFiles, r.Bytes, p.KeptBytes, p.NsPerFile, p.PerFileNs)
	}
	md.WriteString("\n![files and bytes kept per filter](prune.svg)\n")
	if err := os.WriteFile(filepath.Join(dir, "prune.md"), []byte(md.String()), 0o644); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return writePruneChart(filepath.Join(dir, "prune.svg"), r)
}

// writePruneChart draws, per filter (labelled with its text), the share
// of files and of bytes kept, as an SVG at least 1200 px wide.
func writePruneChart(path string, r benchPruneJSON) error {
	c := barchart.Chart{Title: fmt.Sprintf("Share of %s kept after pruning (%d files, %d bytes)", r.Location, r.Files, r.Bytes),
		Series: []string{"files kept", "bytes kept"}, Values: [][]float64{{}, {}}}
	for i, q := range r.Predicates {
		c.Categories = append(c.Categories, fmt.Sprintf("#%d %s", i+1, q.Canonical))
		var files, bytes float64
		if r.Files > 0 {
			files = 100 * float64(q.KeptFiles) / float64(r.Files)
		}
		if r.Bytes > 0 {
			bytes = 100 * float64(q.KeptBytes) / float64(r.Bytes)
		}
		c.Values[0] = append(c.Values[0], files)
		c.Values[1] = append(c.Values[1], bytes)
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write chart %s: %w", path, err)
	}
	if err := barchart.WriteSVG(f, c); err != nil {
		f.Close()
		return fmt.Errorf("write chart %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write chart %s: %w", path, err)
	}
	return nil
}
