package main

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/deltaplan/deltaplan/delta"
	"github.com/deltaplan/deltaplan/model"
	"github.com/deltaplan/deltaplan/scanunit"
)

// explainJSON is `files --filter F --explain --json`: one entry per active
// file, kept or dropped; the kept entries are exactly kept.files of the
// plain listing.
type explainJSON struct {
	Version int64             `json:"version"`
	Filter  string            `json:"filter"`
	Total   countJSON         `json:"total"`
	Kept    countJSON         `json:"kept"`
	Files   []explainFileJSON `json:"files"`
}

type explainFileJSON struct {
	Path     string `json:"path"`
	Size     int64  `json:"size"`
	Kept     bool   `json:"kept"`
	Verdict  string `json:"verdict"`
	Reason   string `json:"reason"`
	Conjunct string `json:"conjunct,omitempty"`
	// Stats are the statistics used by column; partition values instead
	// for partition columns.
	Stats           map[string]scanunit.ColumnEvidence `json:"stats,omitempty"`
	PartitionValues map[string]*string                 `json:"partition_values,omitempty"`
}

func writeExplain(w io.Writer, s *delta.Snapshot, filter string, pr *scanunit.Pruner, asJSON bool) error {
	xs, err := pr.Explain(s.Files)
	if err != nil {
		return fmt.Errorf("--filter on %s: %w", s.Location, err)
	}
	j := explainJSON{Version: s.Version, Filter: filter, Files: make([]explainFileJSON, 0, len(xs))}
	for i, x := range xs {
		size := s.Files.Sizes[i]
		stats, parts, err := scanunit.Evidence(s.Files, x.Columns, i)
		if err != nil {
			return fmt.Errorf("--filter on %s: %w", s.Location, err)
		}
		j.Total.Files++
		j.Total.Bytes += size
		if x.Kept {
			j.Kept.Files++
			j.Kept.Bytes += size
		}
		j.Files = append(j.Files, explainFileJSON{Path: x.Path, Size: size, Kept: x.Kept, Verdict: x.Verdict.String(),
			Reason: x.Reason, Conjunct: x.Conjunct, Stats: stats, PartitionValues: parts})
	}
	if asJSON {
		return writeJSON(w, j)
	}
	fmt.Fprintf(w, "version %d, filter %s: kept %d of %d files, %d of %d bytes\n",
		j.Version, j.Filter, j.Kept.Files, j.Total.Files, j.Kept.Bytes, j.Total.Bytes)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PATH\tKEPT\tREASON\tCONJUNCT\tEVIDENCE")
	for _, f := range j.Files {
		kept := "no"
		if f.Kept {
			kept = "yes"
		}
		conj := f.Conjunct
		if conj == "" {
			conj = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", f.Path, kept, f.Reason, conj, evidenceText(f.Stats, f.PartitionValues))
	}
	return tw.Flush()
}

// evidenceText renders statistics as "col [min, max] nulls=n", columns in
// name order, then partition values.
func evidenceText(stats map[string]scanunit.ColumnEvidence, parts map[string]*string) string {
	var out []string
	keys := make([]string, 0, len(stats))
	for k := range stats {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	str := func(p *string) string {
		if p == nil {
			return "?"
		}
		return *p
	}
	for _, k := range keys {
		ev := stats[k]
		s := fmt.Sprintf("%s [%s, %s]", k, str(ev.Min), str(ev.Max))
		if ev.NullCount != nil {
			s += " nulls=" + strconv.FormatInt(*ev.NullCount, 10)
		}
		out = append(out, s)
	}
	if len(parts) > 0 {
		out = append(out, "partition "+partitionText(parts))
	}
	if len(out) == 0 {
		return "-"
	}
	return strings.Join(out, "; ")
}

// fileStatsJSON is a file's statistics in `files --json --stats`.
type fileStatsJSON struct {
	NumRecords  *int64                             `json:"num_records"`
	TightBounds *bool                              `json:"tight_bounds"`
	Columns     map[string]scanunit.ColumnEvidence `json:"columns"`
}

// addFileStats fills the stats of the listed files (kept, ascending): every
// column with a statistic, as the pruner reads it.
func addFileStats(fs *model.FileSet, kept []int, j *filesJSON) {
	for n, i := range kept {
		st := &fileStatsJSON{Columns: map[string]scanunit.ColumnEvidence{}}
		if fs.NumRecords[i] >= 0 {
			v := fs.NumRecords[i]
			st.NumRecords = &v
		}
		if len(fs.TightBounds) == fs.Len() && fs.TightBounds[i] >= 0 {
			b := fs.TightBounds[i] == 1
			st.TightBounds = &b
		}
		for c := range fs.Stats {
			cs := &fs.Stats[c]
			var ev scanunit.ColumnEvidence
			if cs.Min.Kind != model.KindNull {
				ev.Min, ev.Max = scanunit.StatText(cs.Min.Get(i)), scanunit.StatText(cs.Max.Get(i))
			}
			if cs.NullCount != nil && cs.NullCount[i] >= 0 {
				v := cs.NullCount[i]
				ev.NullCount = &v
			}
			if ev.Min == nil && ev.Max == nil && ev.NullCount == nil {
				continue
			}
			st.Columns[cs.Path.String()] = ev
		}
		j.Files[n].Stats = st
	}
}
