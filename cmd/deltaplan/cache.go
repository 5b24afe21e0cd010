package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"

	"github.com/spf13/cobra"

	"github.com/deltaplan/deltaplan/cachekey"
	"github.com/deltaplan/deltaplan/workflow"
)

func init() {
	register(func() *cobra.Command {
		c := &cobra.Command{
			Use:   "cache",
			Short: "Read cache keys and the run ledger's lineage",
		}
		c.AddCommand(cacheDecodeCmd(), cacheLineageCmd())
		return c
	})
}

func cacheDecodeCmd() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "decode KEY",
		Short: "Print what a cache key depends on: key version, node, code version, dependencies' data versions",
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			k, err := cachekey.Decode(args[0])
			if err != nil {
				return fmt.Errorf("decode cache key: %w", err)
			}
			d := k.JSON()
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), d)
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "key_version   %d (%s)\nnode          %s\ncode_version  %s\ndependencies  %d\n", d.KeyVersion, d.HashTag, d.Node, d.CodeVersion, len(d.Dependencies))
			for _, n := range slices.Sorted(maps.Keys(d.Dependencies)) {
				fmt.Fprintf(w, "  %s  %s\n", n, d.Dependencies[n])
			}
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print the decoded key as JSON")
	return c
}

func cacheLineageCmd() *cobra.Command {
	var store, run string
	c := &cobra.Command{
		Use:   "lineage --store DB [--run ID]",
		Short: "Print the ledger's lineage trace as JSON lines: per run and node, its cache key, code and data versions and its inputs' data versions",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := openExistingStore(cmd.Context(), store)
			if err != nil {
				return err
			}
			defer st.Close()
			rows, err := st.Lineage(cmd.Context(), run)
			if err != nil {
				return err
			}
			// A result recorded without a data version stands for the one
			// its dependents key on, so the trace links up.
			for i := range rows {
				if rows[i].DataVersion, err = workflow.ImpliedDataVersion(rows[i].DataVersion); err != nil {
					return fmt.Errorf("lineage: node %s of run %s: %w", rows[i].Node, rows[i].RunID, err)
				}
				for d, v := range rows[i].DependenciesDataVersions {
					if rows[i].DependenciesDataVersions[d], err = workflow.ImpliedDataVersion(v); err != nil {
						return fmt.Errorf("lineage: node %s of run %s: input %s: %w", rows[i].Node, rows[i].RunID, d, err)
					}
				}
			}
			return writeLines(cmd.OutOrStdout(), rows)
		},
	}
	c.Flags().StringVar(&store, "store", "", "the run ledger (required)")
	c.Flags().StringVar(&run, "run", "", "only this run (default: every run)")
	return c
}

// writeLines prints one compact JSON document per line.
func writeLines[T any](w io.Writer, rows []T) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for _, r := range rows {
		if err := enc.Encode(r); err != nil {
			return err
		}
	}
	return bw.Flush()
}
