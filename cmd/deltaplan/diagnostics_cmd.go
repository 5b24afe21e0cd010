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
With --run, only that run's rows.`,
			Args: cobra.ExactArgs(2),
			RunE: func(cmd *cobra.Command, args []string) error {
				if !slices.Contains(diagnostics.Tables, args[1]) {
					return usageError{fmt.Errorf("table %q: want one of %s", args[1], strings.Join(diagnostics.Tables, ", "))}
				}
				rows, err := diagnostics.Writer{Open: diagnosticsOpen}.Read(cmd.Context(), args[0], args[1], run)
				if err != nil {
					return err
				}
				return writeLines(cmd.OutOrStdout(), rows)
			},
		}
		c.Flags().StringVar(&run, "run", "", "only the rows of this run id")
		return c
	})
}
