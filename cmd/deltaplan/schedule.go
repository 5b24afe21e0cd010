package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/deltaplan/deltaplan/diagnostics"
	"github.com/deltaplan/deltaplan/internal/runledger"
	"github.com/deltaplan/deltaplan/workflow"
)

func init() {
	register(func() *cobra.Command {
		var (
			previous    string
			views       []string
			targetBytes int64
			asJSON      bool
			store       string
			logFile     string
			recompute   []string
			disable     []string
			ignore      []string
			diagLoc     string
			pics        pictureFlags
		)
		c := &cobra.Command{
			Use:   "schedule WORKFLOW",
			Short: "Schedule a workflow's views and scan units as a DAG; mark each fresh or stale against a previous run",
			Long: `Reads WORKFLOW (JSON: tables NAME -> location, views NAME -> plan file, session,
behavior, version pins), pins every table, builds each view's plan bundle, and
prints the task graph: one node per scan unit (weight: bytes) and per view,
edges, reduced edges, generations and the critical path of the admitted tasks
(--view NAME ..., default all views, plus their ancestors). With --previous FILE
(an earlier schedule --json output) each admitted node is fresh or stale, with
the reason.

With --store DB (a run ledger, created on first use) each node gets a cache
key, and is fresh when a succeeded record has that key (see deltaplan record);
the planned run is stored under the printed run_id. --recompute, --disable and
--ignore NAME (a view, a node name, or scan:TABLE) override behaviors.
--log FILE appends one JSON line per decision.`,
			Args: cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				if targetBytes < 0 {
					return usageError{fmt.Errorf("--target-bytes %d: must be >= 0", targetBytes)}
				}
				if store != "" && previous != "" {
					return usageError{fmt.Errorf("--store and --previous exclude each other: the store remembers earlier runs")}
				}
				if logFile != "" && store == "" {
					return usageError{fmt.Errorf("--log needs --store")}
				}
				if err := distinctOverrides(map[string][]string{"--recompute": recompute, "--disable": disable, "--ignore": ignore}); err != nil {
					return usageError{err}
				}
				var prev *workflow.Schedule
				if previous != "" {
					f, err := os.Open(previous)
					if err != nil {
						return fmt.Errorf("read previous schedule: %w", err)
					}
					prev, err = workflow.ReadSchedule(f, previous)
					f.Close()
					if err != nil {
						return err
					}
				}
				w, err := workflow.Load(args[0])
				if err != nil {
					return err
				}
				g, err := workflow.Build(cmd.Context(), w, workflow.Options{Open: openTable, TargetBytes: targetBytes,
					Recompute: recompute, Disable: disable, Ignore: ignore, KeepBundles: diagLoc != ""})
				if errors.Is(err, workflow.ErrOverrideConflict) {
					return usageError{err}
				}
				if err != nil {
					return err
				}
				if store != "" {
					s, err := scheduleWithStore(cmd.Context(), g, args[0], store, logFile, views)
					if err != nil {
						return err
					}
					if err := scheduleDiagnostics(cmd.Context(), diagLoc, g, s); err != nil {
						return err
					}
					if err := pics.writeSchedule(s, args[0]); err != nil {
						return err
					}
					if asJSON {
						return writeJSON(cmd.OutOrStdout(), s)
					}
					return printSchedule(cmd.OutOrStdout(), s)
				}
				s, err := g.Schedule(views, prev)
				if err != nil {
					return fmt.Errorf("workflow %s: %w", args[0], err)
				}
				if err := scheduleDiagnostics(cmd.Context(), diagLoc, g, s); err != nil {
					return err
				}
				if err := pics.writeSchedule(s, args[0]); err != nil {
					return err
				}
				if asJSON {
					return writeJSON(cmd.OutOrStdout(), s)
				}
				return printSchedule(cmd.OutOrStdout(), s)
			},
		}
		c.Flags().StringVar(&previous, "previous", "", "a previous run's schedule (--json output) to decide freshness against")
		c.Flags().StringArrayVar(&views, "view", nil, "a view to produce (repeatable; default all views)")
		c.Flags().Int64Var(&targetBytes, "target-bytes", 0, "scan-unit size in bytes (default 256 MiB)")
		c.Flags().BoolVar(&asJSON, "json", false, "print the schedule as JSON")
		c.Flags().StringVar(&diagLoc, "diagnostics", "", "append this run's schedule_nodes, plan_bundles, scan_units and lineage_reads to Delta tables under LOCATION")
		c.Flags().StringVar(&store, "store", "", "the run ledger (SQLite file, created on first use) to plan against and store the run in")
		c.Flags().StringVar(&logFile, "log", "", "append one JSON line per decision to this file (with --store)")
		c.Flags().StringArrayVar(&recompute, "recompute", nil, "always recompute this view, node or scan:TABLE (repeatable)")
		c.Flags().StringArrayVar(&disable, "disable", nil, "never cache this view, node or scan:TABLE (repeatable)")
		c.Flags().StringArrayVar(&ignore, "ignore", nil, "keep this view, node or scan:TABLE out of its dependents' keys (repeatable)")
		pics.add(c)
		return c
	})
}

// scheduleDiagnostics appends a schedule's rows (under its ledger run id,
// else a fresh one) to the diagnostics tables at loc; "" writes nothing.
func scheduleDiagnostics(ctx context.Context, loc string, g *workflow.Graph, s *workflow.Schedule) error {
	if loc == "" {
		return nil
	}
	runID := s.RunID
	if runID == "" {
		runID = newRunID()
	}
	batches := []diagnostics.Batch{diagnostics.ScheduleNodes(diagnostics.FromSchedule(s)...)}
	for _, v := range g.Views() {
		if b, ok := g.Bundle(v); ok {
			batches = append(batches, diagnostics.BundleBatches(v, b)...)
		}
	}
	return writeDiagnostics(ctx, loc, runID, batches...)
}

// distinctOverrides refuses a name given to two behavior flags.
func distinctOverrides(lists map[string][]string) error {
	seen := map[string]string{}
	for _, flag := range []string{"--recompute", "--disable", "--ignore"} {
		for _, name := range lists[flag] {
			if other, ok := seen[name]; ok && other != flag {
				return fmt.Errorf("%s is given to both %s and %s", name, other, flag)
			}
			seen[name] = flag
		}
	}
	return nil
}

// scheduleWithStore plans the run against the ledger at store, stores it
// and logs every decision.
func scheduleWithStore(ctx context.Context, g *workflow.Graph, wfPath, store, logFile string, views []string) (*workflow.Schedule, error) {
	st, err := openStore(ctx, store)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	log, err := openEventLog(logFile)
	if err != nil {
		return nil, err
	}
	var logf func(workflow.Event)
	if log != nil {
		logf = log.add
	}
	s, err := runledger.Plan(ctx, g, st, wfPath, views, logf)
	if err != nil {
		log.close()
		return nil, fmt.Errorf("workflow %s: %w", wfPath, err)
	}
	if err := log.close(); err != nil {
		return nil, err
	}
	return s, nil
}

func printSchedule(w io.Writer, s *workflow.Schedule) error {
	if s.RunID != "" {
		fmt.Fprintf(w, "run        %s\n", s.RunID)
	}
	fmt.Fprintf(w, "signature  %s\n", s.Signature.Full)
	fmt.Fprintf(w, "requested  %s\n", strings.Join(s.Requested, ", "))
	fmt.Fprintf(w, "admitted   %d of %d nodes, %d bytes\n", s.Summary.Admitted, s.Summary.Nodes, s.Summary.Bytes)
	missing := ""
	if s.Summary.Missing > 0 {
		missing = fmt.Sprintf(" (%d never recorded)", s.Summary.Missing)
	}
	fmt.Fprintf(w, "stale      %d%s (%d bytes), fresh %d\n", s.Summary.Stale, missing, s.Summary.StaleBytes, s.Summary.Fresh)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "\nNODE\tKIND\tBEHAVIOR\tBYTES\tSTATUS\tWHY")
	for _, n := range s.Nodes {
		status, why := n.Status, n.Explain
		if !n.Admitted {
			status, why = "-", "not admitted"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", n.Name, n.Kind, n.Behavior, n.Bytes, status, why)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "\ngenerations:")
	for i, gen := range s.Generations {
		fmt.Fprintf(w, "  %d  %s\n", i, strings.Join(gen, " "))
	}
	tied := ""
	if s.CriticalPath.Tied {
		tied = " (tied; smallest names)"
	}
	fmt.Fprintf(w, "critical path (%d bytes)%s:\n  %s\n", s.CriticalPath.Bytes, tied, strings.Join(s.CriticalPath.Nodes, " -> "))
	fmt.Fprintf(w, "run (%d):\n", len(s.Run))
	for _, n := range s.Run {
		fmt.Fprintf(w, "  %s\n", n)
	}
	return nil
}
