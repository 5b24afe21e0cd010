package deltagen

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// WorkflowSpec shapes a generated workflow (see WriteWorkflow): one
// partitioned table "events" and Views views over it, as Substrait plans in
// protobuf JSON.
type WorkflowSpec struct {
	// Views is the number of views, named v00000, v00001, ….
	Views int
	// Partitions and FilesPerPartition shape the table: Partitions values
	// of the string partition column "part" ("000", "001", …), each with
	// FilesPerPartition files, added over Commits JSON commits (only the
	// log is written, no data files).
	Partitions, FilesPerPartition, Commits int
	// DerivedEvery n > 0 makes every n-th view a derived view (5: 20%),
	// which reads 1–3 upstream views by name and no table. Derived views
	// sit on Levels levels: a view of level l reads one view of level l-1
	// (the source views are level 0) and up to two of any lower level, so
	// the view graph is Levels+1 views deep.
	DerivedEvery, Levels int
	// Filters is the number of distinct literals of the non-partition
	// filter a source view carries besides its partition filter.
	Filters int
	// Seed drives the choice of upstream views.
	Seed uint64
}

// DefaultWorkflowSpec is a 100-partition, 300-file table and n views, 20%
// of them derived on 8 levels.
func DefaultWorkflowSpec(n int) WorkflowSpec {
	return WorkflowSpec{Views: n, Partitions: 100, FilesPerPartition: 3, Commits: 10, DerivedEvery: 5, Levels: 8, Filters: 4, Seed: 20261202}
}

// WorkflowResult tells what WriteWorkflow wrote.
type WorkflowResult struct {
	Path      string // the workflow file
	Table     string // the table's directory
	Version   int64  // the table's latest version
	Files     int    // active files of the table
	PlanFiles int    // distinct plan files (identical views share one)
	Source    int    // views that read the table
	Derived   int    // views that read other views
	// Partition maps each source view to the partitions it reads (sorted).
	Partition map[string][]int
	// Upstream maps each derived view to the views it reads (sorted).
	Upstream map[string][]string
	spec     Spec
	next     int // the next file index CommitToPartition adds
}

// The source view templates: a filter on one partition, an IN list of two
// partitions, and a filter on one partition under a sort and a fetch.
const (
	templateEq = iota
	templateIn
	templateTop
	templates
)

// ViewName names view i.
func ViewName(i int) string { return fmt.Sprintf("v%05d", i) }

// WriteWorkflow writes into dir (created if missing) the table events/,
// the plans under plans/ and workflow.json. Source view i uses template
// i%3 on partition (i/3)%Partitions (and the next one for the IN list)
// with filter literal (i/(3·Partitions))%Filters, so views that share
// template, partitions and literal share a plan file; derived views each
// have their own. Output is deterministic.
func WriteWorkflow(dir string, spec WorkflowSpec) (*WorkflowResult, error) {
	if spec.Views <= 0 || spec.Partitions <= 0 || spec.FilesPerPartition <= 0 || spec.Filters <= 0 {
		return nil, fmt.Errorf("deltagen: workflow spec %+v: views, partitions, files per partition and filters must be > 0", spec)
	}
	if spec.DerivedEvery > 0 && spec.Levels <= 0 {
		return nil, fmt.Errorf("deltagen: workflow spec %+v: derived views need levels > 0", spec)
	}
	table := filepath.Join(dir, "events")
	ts := Spec{Files: spec.Partitions * spec.FilesPerPartition, Commits: spec.Commits, StatsColumns: 2, Partitions: spec.Partitions}
	res, err := GenerateJSON(table, ts)
	if err != nil {
		return nil, err
	}
	out := &WorkflowResult{Path: filepath.Join(dir, "workflow.json"), Table: table, Version: res.Version, Files: res.ActiveFiles,
		Partition: map[string][]int{}, Upstream: map[string][]string{}, spec: ts, next: ts.Files}
	if err := os.MkdirAll(filepath.Join(dir, "plans"), 0o755); err != nil {
		return nil, err
	}

	// Levels: source views are level 0; derived ones cycle through 1..Levels.
	level := make([]int, spec.Views)
	byLevel := make([][]int, spec.Levels+1)
	derived := 0
	for i := range level {
		if spec.DerivedEvery > 0 && i%spec.DerivedEvery == spec.DerivedEvery-1 {
			level[i] = 1 + derived%spec.Levels
			derived++
		}
		byLevel[level[i]] = append(byLevel[level[i]], i)
	}
	rng := rand.New(rand.NewPCG(spec.Seed, uint64(spec.Views)))
	written := map[string]bool{}
	var wf strings.Builder
	wf.WriteString("{\"tables\": {\"events\": \"events\"},\n \"views\": {")
	for i := range spec.Views {
		name := ViewName(i)
		var file, plan string
		if level[i] == 0 {
			t := i % templates
			p := (i / templates) % spec.Partitions
			k := (i / (templates * spec.Partitions)) % spec.Filters
			parts := []int{p}
			if t == templateIn {
				parts = append(parts, (p+1)%spec.Partitions)
				slices.Sort(parts)
			}
			out.Partition[name] = parts
			out.Source++
			file = fmt.Sprintf("plans/t%d_p%03d_k%d.json", t, p, k)
			if !written[file] {
				plan = sourcePlan(t, parts, int64(k*5))
			}
		} else {
			ups := map[int]bool{}
			prev := byLevel[level[i]-1]
			ups[prev[rng.IntN(len(prev))]] = true
			for extra := rng.IntN(3); extra > 0; extra-- { // 0–2 more, any lower level
				l := rng.IntN(level[i])
				ups[byLevel[l][rng.IntN(len(byLevel[l]))]] = true
			}
			var names []string
			for u := range ups {
				names = append(names, ViewName(u))
			}
			slices.Sort(names)
			out.Upstream[name] = names
			out.Derived++
			file = "plans/" + name + ".json"
			plan = derivedPlan(names, int64(i%spec.Filters*5))
		}
		if plan != "" {
			written[file] = true
			if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(file)), []byte(plan), 0o644); err != nil {
				return nil, err
			}
		}
		if i > 0 {
			wf.WriteString(",")
		}
		fmt.Fprintf(&wf, "\n  %q: {\"plan\": %q}", name, file)
	}
	wf.WriteString("}}\n")
	out.PlanFiles = len(written)
	if err := os.WriteFile(out.Path, []byte(wf.String()), 0o644); err != nil {
		return nil, err
	}
	return out, nil
}

// CommitToPartition commits one new file to a partition of the workflow's
// table (the next version) and returns that version: the scan units of
// that partition, and the views that read them, change.
func (r *WorkflowResult) CommitToPartition(partition int) (int64, error) {
	if partition < 0 || partition >= r.spec.Partitions {
		return 0, fmt.Errorf("deltagen: partition %d out of range [0, %d)", partition, r.spec.Partitions)
	}
	i := r.next + (partition-r.next%r.spec.Partitions+r.spec.Partitions)%r.spec.Partitions
	r.next = i + 1
	a, _ := r.spec.add(i, nil)
	r.Version++
	acts := []Action{{CommitInfo: &CommitInfo{Timestamp: 1700000000000 + r.Version, Operation: "WRITE"}}, {Add: &a}}
	if err := WriteCommit(r.Table, r.Version, acts); err != nil {
		return 0, err
	}
	r.Files++
	return r.Version, nil
}

// eventsSchema is the read schema of the table: the partition column and
// the two stats columns.
const eventsSchema = `{"names": ["part", "c0000", "c0001"], "struct": {"nullability": "NULLABILITY_REQUIRED", "types": [
  {"string": {"nullability": "NULLABILITY_NULLABLE"}}, {"i64": {"nullability": "NULLABILITY_NULLABLE"}}, {"i64": {"nullability": "NULLABILITY_NULLABLE"}}]}}`

const planHead = `{"version": {"majorNumber": 0, "minorNumber": 85, "producer": "deltagen"},
 "extensionUrns": [{"extensionUrnAnchor": 1, "urn": "extension:io.substrait:functions_boolean"},
                   {"extensionUrnAnchor": 2, "urn": "extension:io.substrait:functions_comparison"}],
 "extensions": [{"extensionFunction": {"extensionUrnReference": 1, "functionAnchor": 1, "name": "and:bool"}},
                {"extensionFunction": {"extensionUrnReference": 2, "functionAnchor": 2, "name": "equal:any_any"}},
                {"extensionFunction": {"extensionUrnReference": 2, "functionAnchor": 3, "name": "gte:any_any"}}],
 "relations": [{"root": {"names": ["part", "c0000", "c0001"], "input": `

const planTail = "}}]}\n"

const boolType = `{"bool": {"nullability": "NULLABILITY_NULLABLE"}}`

func plField(i int) string {
	return fmt.Sprintf(`{"selection": {"directReference": {"structField": {"field": %d}}, "rootReference": {}}}`, i)
}

func plCall(anchor int, args ...string) string {
	vals := make([]string, len(args))
	for i, a := range args {
		vals[i] = `{"value": ` + a + `}`
	}
	return fmt.Sprintf(`{"scalarFunction": {"functionReference": %d, "outputType": %s, "arguments": [%s]}}`, anchor, boolType, strings.Join(vals, ", "))
}

func plStr(s string) string  { return fmt.Sprintf(`{"literal": {"string": %q}}`, s) }
func plI64(v int64) string   { return fmt.Sprintf(`{"literal": {"i64": "%d"}}`, v) }
func partValue(p int) string { return fmt.Sprintf("%03d", p) }

func plRead(table string) string {
	return `{"read": {"common": {"direct": {}}, "baseSchema": ` + eventsSchema + `, "namedTable": {"names": [` + fmt.Sprintf("%q", table) + `]}}}`
}

func plFilter(input, cond string) string {
	return `{"filter": {"common": {"direct": {}}, "input": ` + input + `, "condition": ` + cond + `}}`
}

// sourcePlan reads the table's partitions with c0000 >= min.
func sourcePlan(template int, parts []int, min int64) string {
	var partCond string
	if len(parts) == 1 {
		partCond = plCall(2, plField(0), plStr(partValue(parts[0])))
	} else {
		opts := make([]string, len(parts))
		for i, p := range parts {
			opts[i] = plStr(partValue(p))
		}
		partCond = `{"singularOrList": {"value": ` + plField(0) + `, "options": [` + strings.Join(opts, ", ") + `]}}`
	}
	rel := plFilter(plRead("events"), plCall(1, partCond, plCall(3, plField(1), plI64(min))))
	if template == templateTop {
		rel = `{"fetch": {"common": {"direct": {}}, "count": "100", "input": {"sort": {"common": {"direct": {}}, "sorts": [{"expr": ` +
			plField(2) + `, "direction": "SORT_DIRECTION_DESC_NULLS_LAST"}], "input": ` + rel + `}}}}`
	}
	return planHead + rel + planTail
}

// derivedPlan reads the upstream views (UNION ALL when more than one) with
// c0001 >= min.
func derivedPlan(upstream []string, min int64) string {
	rel := plRead(upstream[0])
	if len(upstream) > 1 {
		ins := make([]string, len(upstream))
		for i, u := range upstream {
			ins[i] = plRead(u)
		}
		rel = `{"set": {"common": {"direct": {}}, "inputs": [` + strings.Join(ins, ", ") + `], "op": "SET_OP_UNION_ALL"}}`
	}
	return planHead + plFilter(rel, plCall(3, plField(2), plI64(min))) + planTail
}
