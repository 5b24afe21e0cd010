package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/deltaplan/deltaplan/cachekey"
	"github.com/deltaplan/deltaplan/ledger"
	"github.com/deltaplan/deltaplan/workflow"
)

func init() {
	register(func() *cobra.Command {
		c := &cobra.Command{
			Use:   "cache",
			Short: "Read cache keys and the run ledger's lineage",
		}
		c.AddCommand(cacheDecodeCmd(), cacheLineageCmd(), cachePruneCmd())
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

func cachePruneCmd() *cobra.Command {
	var (
		store     string
		keepRuns  int
		olderThan time.Duration
		asJSON    bool
	)
	c := &cobra.Command{
		Use:   "prune --store DB (--keep-runs N | --older-than DURATION)",
		Short: "Remove old runs from the ledger, keeping every record the newest run's freshness depends on",
		Long: `Removes the runs beyond the newest N (--keep-runs) or created more than
DURATION ago (--older-than, e.g. 720h): their plans, and their records except
those the newest run's freshness depends on (for each key it planned, the newest
succeeded or failed record; for each of its nodes, the newest succeeded and
failed record), then every cache key and name nothing references. The newest
run is never removed.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if keepRuns < 0 || olderThan < 0 || keepRuns == 0 && olderThan == 0 {
				return usageError{fmt.Errorf("give --keep-runs N (N >= 1) or --older-than DURATION (> 0)")}
			}
			st, err := openExistingStore(cmd.Context(), store)
			if err != nil {
				return err
			}
			defer st.Close()
			sum, err := st.Prune(cmd.Context(), ledger.PruneOptions{KeepRuns: keepRuns, OlderThan: olderThan})
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), sum)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "pruned %d runs (%d kept for the records the newest run needs): %d plan rows, %d records, %d cache keys, %d names\n",
				len(sum.Runs), len(sum.KeptForRecords), sum.PlanRows, sum.Records, sum.Keys, sum.Names)
			return nil
		},
	}
	c.Flags().StringVar(&store, "store", "", "the run ledger (required)")
	c.Flags().IntVar(&keepRuns, "keep-runs", 0, "keep the newest N runs")
	c.Flags().DurationVar(&olderThan, "older-than", 0, "remove runs created more than DURATION ago (e.g. 720h)")
	c.Flags().BoolVar(&asJSON, "json", false, "print what was removed as JSON")
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
