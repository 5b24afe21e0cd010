package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/deltaplan/deltaplan/workflow"
)

func init() {
	register(func() *cobra.Command {
		var (
			previous    string
			views       []string
			targetBytes int64
			asJSON      bool
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
the reason.`,
			Args: cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				if targetBytes < 0 {
					return usageError{fmt.Errorf("--target-bytes %d: must be >= 0", targetBytes)}
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
				g, err := workflow.Build(cmd.Context(), w, workflow.Options{Open: openTable, TargetBytes: targetBytes})
				if err != nil {
					return err
				}
				s, err := g.Schedule(views, prev)
				if err != nil {
					return fmt.Errorf("workflow %s: %w", args[0], err)
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
		return c
	})
}

func printSchedule(w io.Writer, s *workflow.Schedule) error {
	fmt.Fprintf(w, "signature  %s\n", s.Signature.Full)
	fmt.Fprintf(w, "requested  %s\n", strings.Join(s.Requested, ", "))
	fmt.Fprintf(w, "admitted   %d of %d nodes, %d bytes\n", s.Summary.Admitted, s.Summary.Nodes, s.Summary.Bytes)
	fmt.Fprintf(w, "stale      %d (%d bytes), fresh %d\n", s.Summary.Stale, s.Summary.StaleBytes, s.Summary.Fresh)
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
