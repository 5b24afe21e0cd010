// Package runledger connects the workflow planner to the ledger store: the
// two know nothing of each other (workflow reads a ledger through its
// Ledger interface; ledger stores runs of its own types), and this adapter,
// used by the command and the benchmarks, converts between them.
package runledger

import (
	"context"
	"time"

	"github.com/deltaplan/deltaplan/freshness"
	"github.com/deltaplan/deltaplan/ledger"
	"github.com/deltaplan/deltaplan/workflow"
)

// Ledger serves workflow.Graph.PlanRun from a ledger store.
type Ledger struct{ Store *ledger.Store }

var _ freshness.Source = Ledger{}

// Latest implements freshness.Source.
func (l Ledger) Latest(ctx context.Context, keys []string) (map[string]freshness.Entry, error) {
	m, err := l.Store.Latest(ctx, keys)
	if err != nil {
		return nil, err
	}
	out := make(map[string]freshness.Entry, len(m))
	for k, e := range m {
		out[k] = entryOf(e)
	}
	return out, nil
}

// History implements freshness.Source.
func (l Ledger) History(ctx context.Context, nodes []string) (map[string]freshness.History, error) {
	m, err := l.Store.History(ctx, nodes)
	if err != nil {
		return nil, err
	}
	out := make(map[string]freshness.History, len(m))
	for n, h := range m {
		var fh freshness.History
		if h.Succeeded != nil {
			fh.Succeeded = &freshness.Previous{Entry: entryOf(h.Succeeded.Entry), Detail: h.Succeeded.Planned.Detail}
		}
		if h.Failed != nil {
			e := entryOf(*h.Failed)
			fh.Failed = &e
		}
		out[n] = fh
	}
	return out, nil
}

func entryOf(e ledger.Entry) freshness.Entry {
	return freshness.Entry{CacheKey: e.CacheKey, Node: e.Node, CodeVersion: e.CodeVersion, DataVersion: e.DataVersion,
		RunID: e.RunID, Status: e.Status, Attempt: e.Attempt}
}

// Run converts a planned run for the store, created at now.
func Run(r *workflow.PlannedRun, workflowPath string, now time.Time) *ledger.Run {
	out := &ledger.Run{ID: r.ID, CreatedAt: now.UTC(), Workflow: workflowPath, Signature: r.Signature,
		Requested: r.Requested, Edges: r.Edges, Generations: r.Generations}
	for _, n := range r.Nodes {
		out.Nodes = append(out.Nodes, ledger.Node{Name: n.Name, Kind: n.Kind, CacheKey: n.CacheKey, CodeVersion: n.CodeVersion,
			Dependencies: n.Dependencies, Pending: n.Pending, DataVersion: n.DataVersion, Admitted: n.Admitted,
			Status: n.Status, Behavior: n.Behavior, Generation: n.Generation, Detail: n.Detail})
	}
	return out
}

// Plan plans g against st, stores the run and returns its schedule: what
// `deltaplan schedule WORKFLOW --store DB` does after building the graph.
// log (nil for none) receives every decision.
func Plan(ctx context.Context, g *workflow.Graph, st *ledger.Store, workflowPath string, views []string, log func(workflow.Event)) (*workflow.Schedule, error) {
	s, run, err := g.PlanRun(ctx, Ledger{st}, workflow.LedgerOptions{RunID: ledger.NewRunID(), Requested: views, Log: log})
	if err != nil {
		return nil, err
	}
	if err := st.SavePlan(ctx, Run(run, workflowPath, time.Now())); err != nil {
		return nil, err
	}
	return s, nil
}
