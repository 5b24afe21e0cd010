package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/deltaplan/deltaplan/diagnostics"
)

func init() {
	register(func() *cobra.Command {
		var run string
		c := &cobra.Command{
			Use:   "diagnostics LOCATION TABLE [--run ID]",
			Short: "Read a diagnostics table back (JSON lines): what --diagnostics wrote, through the Delta reader",
			Long: `Prints the rows of LOCATION/TABLE at its latest version as JSON lines, sorted
by run_id, then by content. TABLE is one of ` + strings.Join(diagnostics.Tables, ", ") + `.
With --run, only that run's rows; a run with no rows exits 1 naming it.
--json is accepted: the output is JSON lines either way.`,
			Args: cobra.ExactArgs(2),
			RunE: func(cmd *cobra.Command, args []string) error {
				if !slices.Contains(diagnostics.Tables, args[1]) {
					return usageError{fmt.Errorf("table %q: want one of %s", args[1], strings.Join(diagnostics.Tables, ", "))}
				}
				rows, err := diagnostics.Writer{Open: diagnosticsOpen}.Read(cmd.Context(), args[0], args[1], run)
				if err != nil {
					return err
				}
				if run != "" && len(rows) == 0 {
					// Nothing to print is not success: the id is unknown here.
					return fmt.Errorf("run %q: no rows in %s at %s (unknown run id)", run, args[1], args[0])
				}
				return printLines(outputOf(cmd), rows)
			},
		}
		c.Flags().StringVar(&run, "run", "", "only the rows of this run id")
		c.Flags().Bool("json", false, "accepted for uniformity: the output is JSON lines either way")
		return c
	})
}
