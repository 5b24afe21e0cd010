package planbundle

import (
	"strings"

	"github.com/deltaplan/deltaplan/delta"
	"github.com/deltaplan/deltaplan/lineage"
	"github.com/deltaplan/deltaplan/model"
	"github.com/deltaplan/deltaplan/scanunit"
)

// prune returns the verdicts of the read's pushed conjuncts over the
// snapshot's files (nil keeps every file). Soundness rests on one rule:
// leaving a conjunct out of an AND can only keep more files. So a conjunct
// whose columns the table does not have (plans and tables may spell names
// in another case, resolved as Spark does; anything not resolved uniquely
// is left out), an opaque conjunct, and one the pruner rejects are left out.
func prune(rd lineage.Read, s *delta.Snapshot) ([]scanunit.Verdict, error) {
	cols := tableColumns(s)
	schema := make(scanunit.Schema, 0, len(cols))
	for _, c := range cols {
		schema = append(schema, scanunit.Field{Path: c, Kind: model.KindNull})
	}
	byFold := map[string][]model.Column{}
	for _, c := range cols {
		k := strings.ToLower(c.String())
		byFold[k] = append(byFold[k], c)
	}
	var usable []model.Pred
	for _, p := range rd.Pushed {
		if _, opaque := p.(model.Opaque); opaque {
			continue
		}
		q, ok := renameColumns(p, func(c model.Column) (model.Column, bool) {
			for _, t := range cols { // exact spelling first
				if t.String() == c.String() {
					return t, true
				}
			}
			m := byFold[strings.ToLower(c.String())]
			if len(m) != 1 {
				return nil, false
			}
			return m[0], true
		})
		if !ok {
			continue
		}
		if _, err := scanunit.NewPruner(q, schema); err != nil {
			continue
		}
		usable = append(usable, q)
	}
	if len(usable) == 0 {
		return nil, nil
	}
	pr, err := scanunit.NewPruner(model.And{Args: usable}, schema)
	if err != nil {
		return nil, err
	}
	return pr.Eval(s.Files)
}

// tableColumns lists the table's leaf columns (logical paths) and partition
// columns.
func tableColumns(s *delta.Snapshot) []model.Column {
	var cols []model.Column
	if s.Metadata.Schema != nil {
		for _, l := range s.Metadata.Schema.Leaves(s.Metadata.ColumnMappingMode()) {
			cols = append(cols, l.Logical)
		}
	}
	for _, p := range s.Metadata.PartitionColumns {
		cols = append(cols, model.Column{p})
	}
	for _, st := range s.Files.Stats {
		cols = append(cols, st.Path)
	}
	seen := map[string]bool{}
	out := cols[:0]
	for _, c := range cols {
		if !seen[c.String()] {
			seen[c.String()] = true
			out = append(out, c)
		}
	}
	return out
}

// renameColumns rewrites every column of p through f; ok is false when f
// cannot resolve one, or p has a shape this function does not know.
func renameColumns(p model.Pred, f func(model.Column) (model.Column, bool)) (model.Pred, bool) {
	switch p := p.(type) {
	case model.And:
		args, ok := renameAll(p.Args, f)
		return model.And{Args: args}, ok
	case model.Or:
		args, ok := renameAll(p.Args, f)
		return model.Or{Args: args}, ok
	case model.Not:
		a, ok := renameColumns(p.Arg, f)
		return model.Not{Arg: a}, ok
	case model.Cmp:
		c, ok := f(p.Col)
		return model.Cmp{Col: c, Op: p.Op, Val: p.Val}, ok
	case model.IsNull:
		c, ok := f(p.Col)
		return model.IsNull{Col: c, Negated: p.Negated}, ok
	case model.In:
		c, ok := f(p.Col)
		return model.In{Col: c, Vals: p.Vals, Negated: p.Negated}, ok
	case model.Const:
		return p, true
	}
	// Opaque (and any shape added later) never prunes: leave it out.
	return nil, false
}

func renameAll(ps []model.Pred, f func(model.Column) (model.Column, bool)) ([]model.Pred, bool) {
	out := make([]model.Pred, len(ps))
	for i, p := range ps {
		q, ok := renameColumns(p, f)
		if !ok {
			return nil, false
		}
		out[i] = q
	}
	return out, true
}
