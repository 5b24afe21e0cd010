// Package runledger connects the workflow planner to the ledger store: the
// two know nothing of each other (workflow reads a ledger through its
// Ledger interface; ledger stores runs of its own types), and this adapter,
// used by the command and the benchmarks, converts between them.
package runledger

import (
	"context"
	"time"

	"github.com/deltaplan/deltaplan/ledger"
	"github.com/deltaplan/deltaplan/workflow"
)

// Ledger serves workflow.Graph.PlanRun from a ledger store.
type Ledger struct{ Store *ledger.Store }

var _ workflow.Ledger = Ledger{}

// Succeeded implements workflow.Ledger.
func (l Ledger) Succeeded(ctx context.Context, keys []string) (map[string]workflow.LedgerEntry, error) {
	m, err := l.Store.Succeeded(ctx, keys)
	if err != nil {
		return nil, err
	}
	out := make(map[string]workflow.LedgerEntry, len(m))
	for k, e := range m {
		out[k] = entryOf(e)
	}
	return out, nil
}

// LastSucceeded implements workflow.Ledger.
func (l Ledger) LastSucceeded(ctx context.Context, nodes []string) (map[string]workflow.LedgerPrevious, error) {
	m, err := l.Store.LastSucceeded(ctx, nodes)
	if err != nil {
		return nil, err
	}
	out := make(map[string]workflow.LedgerPrevious, len(m))
	for n, p := range m {
		out[n] = workflow.LedgerPrevious{LedgerEntry: entryOf(p.Entry), Detail: p.Planned.Detail}
	}
	return out, nil
}

func entryOf(e ledger.Entry) workflow.LedgerEntry {
	return workflow.LedgerEntry{CacheKey: e.CacheKey, Node: e.Node, CodeVersion: e.CodeVersion, DataVersion: e.DataVersion, RunID: e.RunID}
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
