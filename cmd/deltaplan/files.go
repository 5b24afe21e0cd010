package main

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"text/tabwriter"

	"github.com/deltaplan/deltaplan/delta"
	"github.com/deltaplan/deltaplan/model"
	"github.com/spf13/cobra"
)

type filesJSON struct {
	Version int64      `json:"version"`
	Filter  *string    `json:"filter"`
	Total   countJSON  `json:"total"`
	Kept    countJSON  `json:"kept"`
	Files   []fileJSON `json:"files"`
}

type countJSON struct {
	Files int   `json:"files"`
	Bytes int64 `json:"bytes"`
}

type fileJSON struct {
	Path              string             `json:"path"`
	Size              int64              `json:"size"`
	PartitionValues   map[string]*string `json:"partition_values"`
	NumRecords        *int64             `json:"num_records"`
	HasDeletionVector bool               `json:"has_deletion_vector"`
	Stats             *fileStatsJSON     `json:"stats,omitempty"` // --stats
}

// newFilesJSON lists the kept files (indices into s.Files, ascending).
func newFilesJSON(s *delta.Snapshot, filter *string, kept []int) filesJSON {
	fs := s.Files
	out := filesJSON{Version: s.Version, Filter: filter, Files: []fileJSON{}}
	for i := 0; i < fs.Len(); i++ {
		out.Total.Files++
		out.Total.Bytes += fs.Sizes[i]
	}
	for _, i := range kept {
		f := fileJSON{Path: fs.Paths[i], Size: fs.Sizes[i], PartitionValues: map[string]*string{}, HasDeletionVector: fs.DVCardinality[i] >= 0}
		for _, p := range fs.Partitions {
			if p.RawValid[i] {
				v := p.Raw[i]
				f.PartitionValues[p.Name] = &v
			} else {
				f.PartitionValues[p.Name] = nil
			}
		}
		if n := fs.NumRecords[i]; n >= 0 {
			f.NumRecords = &n
		}
		out.Kept.Files++
		out.Kept.Bytes += f.Size
		out.Files = append(out.Files, f)
	}
	return out
}

func printFilesText(w io.Writer, j filesJSON) error {
	filter := "none"
	if j.Filter != nil {
		filter = *j.Filter
	}
	fmt.Fprintf(w, "version %d, filter %s: kept %d of %d files, %d of %d bytes\n",
		j.Version, filter, j.Kept.Files, j.Total.Files, j.Kept.Bytes, j.Total.Bytes)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PATH\tSIZE\tRECORDS\tDV\tPARTITION")
	for _, f := range j.Files {
		recs := "-"
		if f.NumRecords != nil {
			recs = strconv.FormatInt(*f.NumRecords, 10)
		}
		dv := ""
		if f.HasDeletionVector {
			dv = "yes"
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\n", f.Path, f.Size, recs, dv, partitionText(f.PartitionValues))
	}
	return tw.Flush()
}

// partitionText renders partition values in key order.
func partitionText(m map[string]*string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	s := ""
	for i, k := range keys {
		if i > 0 {
			s += ","
		}
		if m[k] == nil {
			s += k + "=NULL"
		} else {
			s += k + "=" + *m[k]
		}
	}
	return s
}

func init() {
	register(func() *cobra.Command {
		var f pinFlags
		var filters []string
		var substrait, explain, stats bool
		c := &cobra.Command{
			Use:   "files LOCATION",
			Short: "List the active files of a pinned Delta table version",
			Args:  cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				opts, err := f.options(cmd)
				if err != nil {
					return err
				}
				if explain && len(filters) == 0 {
					return usageError{fmt.Errorf("--explain needs a --filter")}
				}
				if explain && (substrait || stats) {
					return usageError{fmt.Errorf("--explain cannot be combined with --substrait or --stats")}
				}
				var filter *string
				var pred model.Pred
				if len(filters) > 0 {
					text, p, err := parseFilters(filters)
					if err != nil {
						return err
					}
					filter, pred = &text, p
				}
				s, err := pin(cmd.Context(), args[0], opts)
				if err != nil {
					return err
				}
				kept := make([]int, s.Files.Len())
				for i := range kept {
					kept[i] = i
				}
				if pred != nil {
					pr, err := newSnapshotPruner(s, pred)
					if err != nil {
						return err
					}
					if explain {
						return writeExplain(cmd.OutOrStdout(), s, *filter, pr, f.json)
					}
					if kept, err = pr.Keep(s.Files); err != nil {
						return fmt.Errorf("--filter on %s: %w", s.Location, err)
					}
				}
				if substrait {
					return writeFilesSubstrait(cmd.OutOrStdout(), s, pred, kept)
				}
				j := newFilesJSON(s, filter, kept)
				if stats {
					addFileStats(s.Files, kept, &j)
				}
				if f.json {
					return writeJSON(cmd.OutOrStdout(), j)
				}
				return printFilesText(cmd.OutOrStdout(), j)
			},
		}
		f.add(c)
		c.Flags().StringArrayVar(&filters, "filter", nil, "keep only files that may hold a row matching this SQL boolean expression (repeat to AND several)")
		c.Flags().BoolVar(&explain, "explain", false, "with --filter: list every file, kept or dropped, with the conjunct and statistics that decided it")
		c.Flags().BoolVar(&stats, "stats", false, "include each listed file's statistics (numRecords, tightBounds, per-column min/max/nullCount)")
		c.Flags().BoolVar(&substrait, "substrait", false, "print one Substrait plan (protobuf JSON) reading the kept files instead of the listing")
		return c
	})
}
