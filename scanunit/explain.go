package scanunit

import (
	"fmt"
	"time"

	"github.com/deltaplan/deltaplan/model"
)

// Reasons an Explanation gives.
const (
	ReasonCannotMatch  = "cannot match"       // a conjunct rules out every row
	ReasonMightMatch   = "might match"        // the statistics do not decide
	ReasonMustMatch    = "must match"         // every row matches
	ReasonNoRows       = "no live rows"       // numRecords 0, or every row deleted
	ReasonNoStatistics = "no statistics"      // kept: the file has no statistics for a filter column
	ReasonNotIndexed   = "column not indexed" // kept: no file has statistics for a filter column
)

// Explanation says why one file is kept or dropped.
type Explanation struct {
	Path    string
	Kept    bool
	Verdict Verdict
	Reason  string
	// Conjunct is the canonical text of the top-level conjunct that ruled
	// the file out ("" when the file is kept or has no live rows).
	Conjunct string
	// Columns are the columns whose statistics decided (dotted logical
	// paths, as the schema spells them): the deciding conjunct's for a
	// dropped file, every filter column for a kept one. Evidence renders
	// them. The slice is shared between files: do not modify it.
	Columns []string
}

// ColumnEvidence is one file's statistics of one column, as text (nil when
// absent). NullCount is nil when unknown or not used (wide bounds).
type ColumnEvidence struct {
	Min       *string `json:"min"`
	Max       *string `json:"max"`
	NullCount *int64  `json:"null_count"`
}

// Explain evaluates the pruner over fs like Eval and says, per file, why:
// the verdict, the first conjunct that rules the file out, and the
// statistics involved. Kept files are exactly those Eval keeps.
func (p *Pruner) Explain(fs *model.FileSet) ([]Explanation, error) {
	v, err := newView(fs)
	if err != nil {
		return nil, err
	}
	n := fs.Len()
	nodes := flattenAnd(p.root)
	preds := model.Conjuncts(p.pred)
	if len(preds) != len(nodes) {
		preds = []model.Pred{p.pred} // cannot happen: both flatten the same ANDs
		nodes = []*node{p.root}
	}
	e := newEvaluator(v)
	outs := make([][]outcome, len(nodes))
	all := make([]outcome, n)
	for k, nd := range nodes {
		outs[k] = make([]outcome, n)
		e.eval(nd, outs[k])
		if k == 0 {
			copy(all, outs[0])
		} else {
			for i, o := range outs[k] {
				all[i] = andTab[all[i]<<3|o]
			}
		}
	}
	colsOf := make([][]string, len(nodes))
	var filterCols []string
	seen := map[string]bool{}
	for k, nd := range nodes {
		colsOf[k] = leafCols(nd, nil)
		for _, c := range colsOf[k] {
			if !seen[c] {
				seen[c] = true
				filterCols = append(filterCols, c)
			}
		}
	}
	conjText := make([]string, len(preds))
	for k, q := range preds {
		conjText[k] = q.String()
	}
	res := make([]Explanation, n)
	for i := range res {
		x := Explanation{Path: fs.Paths[i]}
		o := all[i]
		if len(nodes) == 0 {
			o = oT
		}
		if v.empty(i) {
			o = 0
		}
		x.Verdict = verdictOf(o)
		x.Kept = x.Verdict.Keep()
		cols := filterCols
		switch {
		case v.empty(i):
			x.Reason, cols = ReasonNoRows, nil
		case !x.Kept:
			x.Reason = ReasonCannotMatch
			for k := range nodes {
				if outs[k][i]&oT == 0 {
					x.Conjunct, cols = conjText[k], colsOf[k]
					break
				}
			}
		default:
			x.Reason = x.Verdict.String()
			if x.Verdict == MightMatch {
				x.Reason = v.keptReason(filterCols, i, x.Reason)
			}
		}
		x.Columns = cols
		res[i] = x
	}
	return res, nil
}

// keptReason names a missing statistic for a kept file, if any.
func (v *view) keptReason(cols []string, i int, dflt string) string {
	for _, c := range cols {
		if _, ok := v.part[c]; ok {
			continue
		}
		st, ok := v.stats[c]
		if !ok {
			return ReasonNotIndexed
		}
		hasBound := st.Min.Kind != model.KindNull && (st.Min.Valid[i] || st.Max.Valid[i])
		if !hasBound && v.nullCount(st, i) < 0 {
			return ReasonNoStatistics
		}
	}
	return dflt
}

// Evidence returns the statistics of file i of fs for the columns of an
// Explanation: per statistics column its min, max and null count as the
// pruner used them (nil null count when unknown or ignored for wide
// bounds), and per partition column its raw value (nil for NULL).
func Evidence(fs *model.FileSet, cols []string, i int) (map[string]ColumnEvidence, map[string]*string, error) {
	v, err := newView(fs)
	if err != nil {
		return nil, nil, err
	}
	if i < 0 || i >= fs.Len() {
		return nil, nil, fmt.Errorf("scanunit: file index %d out of range", i)
	}
	stats, part := v.evidence(cols, i)
	return stats, part, nil
}

func (v *view) evidence(cols []string, i int) (map[string]ColumnEvidence, map[string]*string) {
	var stats map[string]ColumnEvidence
	var part map[string]*string
	for _, c := range cols {
		if pc, ok := v.part[c]; ok {
			if part == nil {
				part = map[string]*string{}
			}
			if pc.RawValid[i] {
				s := pc.Raw[i]
				part[c] = &s
			} else {
				part[c] = nil
			}
			continue
		}
		st, ok := v.stats[c]
		if !ok {
			continue
		}
		var ev ColumnEvidence
		if st.Min.Kind != model.KindNull {
			ev.Min, ev.Max = valueText(st.Min.Get(i)), valueText(st.Max.Get(i))
		}
		if nc := v.nullCount(st, i); nc >= 0 {
			ev.NullCount = &nc
		}
		if stats == nil {
			stats = map[string]ColumnEvidence{}
		}
		stats[c] = ev
	}
	return stats, part
}

// valueText renders a statistic as plain text: strings as they are, dates
// and timestamps in ISO form, numbers as SQL literals; nil for NULL.
func valueText(v model.Value) *string {
	if v.IsNull() {
		return nil
	}
	var s string
	switch v.Kind {
	case model.KindString:
		s = v.Str
	case model.KindDate:
		s = time.Unix(v.Int*86400, 0).UTC().Format("2006-01-02")
	case model.KindTimestamp:
		s = time.UnixMicro(v.Int).UTC().Format("2006-01-02T15:04:05.000000Z")
	case model.KindTimestampNTZ:
		s = time.UnixMicro(v.Int).UTC().Format("2006-01-02T15:04:05.000000")
	default:
		s = v.String()
	}
	return &s
}

// StatText renders a statistic as explain output shows it (nil for NULL).
func StatText(v model.Value) *string { return valueText(v) }

func flattenAnd(n *node) []*node {
	if n.kind != nAnd {
		return []*node{n}
	}
	var out []*node
	for _, k := range n.kids {
		out = append(out, flattenAnd(k)...)
	}
	return out
}

// leafCols lists the columns a compiled predicate reads, first use first.
func leafCols(n *node, acc []string) []string {
	switch n.kind {
	case nCmp, nIsNull:
		for _, c := range acc {
			if c == n.col {
				return acc
			}
		}
		return append(acc, n.col)
	}
	for _, k := range n.kids {
		acc = leafCols(k, acc)
	}
	return acc
}
