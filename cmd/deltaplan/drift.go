package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/deltaplan/deltaplan/ledger"
)

func init() {
	register(func() *cobra.Command {
		var (
			store, run string
			asJSON     bool
			exitCode   bool
		)
		c := &cobra.Command{
			Use:   "drift --store DB --run ID",
			Short: "Compare what ran (deltaplan record) with what a run planned: unreported, unplanned, failed and out-of-order tasks",
			Long: `Prints, for a planned run: admitted tasks that no result reported, reported
tasks the run did not admit, failed and skipped tasks, and order violations (a
task that started before a predecessor ended, from recorded times, or whose
group is not after a predecessor's). Exit status 0 whether or not there is
drift ("clean" says which), unless --exit-code: then 1 when there is drift;
1 for an unknown run or an unreadable store.`,
			Args: cobra.NoArgs,
			RunE: func(cmd *cobra.Command, args []string) error {
				if run == "" {
					return usageError{fmt.Errorf("--run is required")}
				}
				st, err := openExistingStore(cmd.Context(), store)
				if err != nil {
					return err
				}
				defer st.Close()
				d, err := st.Drift(cmd.Context(), run)
				if err != nil {
					return err
				}
				if asJSON {
					err = writeJSON(cmd.OutOrStdout(), d)
				} else {
					err = printDrift(cmd.OutOrStdout(), d)
				}
				if err == nil && exitCode && !d.Clean {
					return errDrift
				}
				return err
			},
		}
		c.Flags().StringVar(&store, "store", "", "the run ledger (required)")
		c.Flags().StringVar(&run, "run", "", "the run to check (required)")
		c.Flags().BoolVar(&asJSON, "json", false, "print the drift as JSON")
		c.Flags().BoolVar(&exitCode, "exit-code", false, "exit 1 when what ran differs from what was planned")
		return c
	})
}

// errDrift is drift --exit-code's answer when the run drifted: exit 1,
// after the report was printed.
var errDrift = exitError{code: exitBad}

func printDrift(w io.Writer, d *ledger.Drift) error {
	if d.Clean {
		fmt.Fprintf(w, "run %s: no drift: every admitted task was reported, succeeded and ran in order\n", d.RunID)
		return nil
	}
	fmt.Fprintf(w, "run %s: drift\n", d.RunID)
	list := func(title string, names []string) {
		if len(names) > 0 {
			fmt.Fprintf(w, "%s (%d):\n", title, len(names))
			for _, n := range names {
				fmt.Fprintf(w, "  %s\n", n)
			}
		}
	}
	list("admitted but not reported", d.AdmittedNotReported)
	list("reported but not admitted", d.ReportedNotAdmitted)
	if len(d.Failures) > 0 {
		fmt.Fprintf(w, "failures (%d):\n", len(d.Failures))
		for _, f := range d.Failures {
			fmt.Fprintf(w, "  %s  %s\n", f.Name, f.Status)
		}
	}
	if len(d.OrderViolations) > 0 {
		fmt.Fprintf(w, "order violations (%d):\n", len(d.OrderViolations))
		for _, v := range d.OrderViolations {
			fmt.Fprintf(w, "  %s after %s: %s\n", v.Task, v.Predecessor, v.Reason)
		}
	}
	return nil
}
