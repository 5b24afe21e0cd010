package main

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/deltaplan/deltaplan/lineage"
)

func init() {
	register(func() *cobra.Command {
		cmd := &cobra.Command{
			Use:   "lineage PLAN",
			Short: "Show what a Substrait plan reads: columns and pushed filters per read, joins, functions",
			Long: `Reads PLAN, a Substrait Plan in protobuf binary or protobuf JSON (detected
from the content; "-" reads stdin), and prints per read the table, the
top-level columns the plan needs and the filter conjuncts that can be
evaluated at the scan; then the joins with their key columns, the functions
by extension and name, and relation-kind counts.`,
			Args: cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				return runLineage(cmd.InOrStdin(), outputOf(cmd), args[0])
			},
		}
		cmd.Flags().Bool("json", false, "print one JSON document")
		return cmd
	})
}

func runLineage(stdin io.Reader, out output, path string) error {
	var (
		data []byte
		err  error
	)
	if path == "-" {
		data, err = io.ReadAll(stdin)
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return fmt.Errorf("read plan %s: %w", path, err)
	}
	plan, err := lineage.Decode(data)
	if err != nil {
		return fmt.Errorf("plan %s: %w", path, err)
	}
	l, err := lineage.Analyze(plan)
	if err != nil {
		return fmt.Errorf("plan %s: %w", path, err)
	}
	return out.Value(l.JSON(), func(w io.Writer) error {
		_, err := io.WriteString(w, l.String())
		return err
	})
}
