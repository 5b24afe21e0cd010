package main

import (
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/deltaplan/deltaplan/internal/cliflag"
)

// This file holds the command-line conventions every command keeps, applied
// once to the whole command tree by newRoot, so that no command has to
// remember them: --json everywhere, flags that cannot combine refused,
// sizes with units, and an example in every help text.

// jsonLinesCommands print JSON lines in both modes; they accept --json so
// that every printing command does (the rows are the JSON form).
var jsonLinesCommands = map[string]bool{
	"deltaplan cache lineage": true,
}

// exclusiveFlags lists, per command path, flags that cannot be given
// together (exit 2 names both): never silently ignore one of them.
var exclusiveFlags = map[string][][2]string{
	"deltaplan files": {{"substrait", "json"}, {"substrait", "stats"}},
}

// requiredFlags lists, per command path, flags that mean nothing without
// another one ({flag, needs}): refused (exit 2) rather than ignored.
var requiredFlags = map[string][][2]string{
	"deltaplan files": {{"stats", "json"}}, // statistics are printed in the JSON form only
}

// sizeFlags take a byte count with an optional unit (256MiB, 1KiB, 10MB).
var sizeFlags = map[string]bool{"target-bytes": true}

// applyConventions walks the tree under root.
func applyConventions(root *cobra.Command) {
	walk(root, func(c *cobra.Command) {
		path := c.CommandPath()
		if jsonLinesCommands[path] && c.Flags().Lookup("json") == nil {
			c.Flags().Bool("json", false, "accepted for uniformity: the output is JSON lines either way")
		}
		if ex, ok := examples[path]; ok && c.Example == "" {
			c.Example = ex
		}
		c.Flags().VisitAll(func(f *pflag.Flag) {
			if sizeFlags[f.Name] && f.Value.Type() == "int64" {
				f.Value = cliflag.SizeOver(f.Value)
				f.DefValue = ""
				f.Usage = strings.Replace(f.Usage, "in bytes", "in bytes, or with a unit: 256MiB, 64MB", 1)
				f.Usage = strings.Replace(f.Usage, "256 MiB", "256MiB", 1)
			}
		})
	})
	prev := root.PersistentPreRunE
	root.PersistentPreRunE = func(c *cobra.Command, args []string) error {
		if err := checkExclusive(c); err != nil {
			return err
		}
		if prev != nil {
			return prev(c, args)
		}
		return nil
	}
}

// checkExclusive refuses a command line giving two flags that exclude
// each other.
func checkExclusive(c *cobra.Command) error {
	for _, pair := range exclusiveFlags[c.CommandPath()] {
		a, b := c.Flags().Lookup(pair[0]), c.Flags().Lookup(pair[1])
		if a != nil && b != nil && a.Changed && b.Changed {
			return usageError{fmt.Errorf("--%s and --%s cannot be combined", pair[0], pair[1])}
		}
	}
	for _, pair := range requiredFlags[c.CommandPath()] {
		a, b := c.Flags().Lookup(pair[0]), c.Flags().Lookup(pair[1])
		if a != nil && b != nil && a.Changed && !b.Changed {
			return usageError{fmt.Errorf("--%s needs --%s", pair[0], pair[1])}
		}
	}
	return nil
}

// walk calls fn on c and every command below it, in name order.
func walk(c *cobra.Command, fn func(*cobra.Command)) {
	fn(c)
	subs := append([]*cobra.Command{}, c.Commands()...)
	sort.Slice(subs, func(i, j int) bool { return subs[i].Name() < subs[j].Name() })
	for _, s := range subs {
		walk(s, fn)
	}
}

// examples are taken from README.md (a test checks every line is there).
var examples = map[string]string{
	"deltaplan snapshot": `  deltaplan snapshot testdata/example/sales --json
  deltaplan snapshot testdata/example/sales --timestamp 2024-05-01T02:30:00Z`,
	"deltaplan files": `  deltaplan files testdata/example/sales --version 0 --json
  deltaplan files testdata/example/sales --filter "region IN ('EU', 'NA') AND amount > 100"`,
	"deltaplan history": `  deltaplan history testdata/example/sales --limit 3
  deltaplan history testdata/example/sales --json`,
	"deltaplan lineage": `  deltaplan lineage testdata/example/plans/revenue_by_region.json --json`,
	"deltaplan plan": `  deltaplan plan testdata/example/plans/revenue_by_region.json \
      --table sales=testdata/example/sales --session testdata/example/session.json --json > a.json`,
	"deltaplan fingerprint": `  deltaplan fingerprint testdata/example/plans/revenue_by_region.json --table sales=testdata/example/sales`,
	"deltaplan diff":        `  deltaplan diff a.json b.json`,
	"deltaplan dag": `  deltaplan dag graph.json --json
  deltaplan dag graph.json --html dag.html --dot dag.dot`,
	"deltaplan schedule": `  deltaplan schedule testdata/example/workflow.json --json > schedule.json
  deltaplan schedule testdata/example/workflow.json --previous schedule.json --html schedule.html`,
	"deltaplan record":        `  deltaplan record --store ledger.db results.json --json`,
	"deltaplan drift":         `  deltaplan drift --store ledger.db --run RUN_ID --json`,
	"deltaplan cache decode":  `  deltaplan cache decode KEY --json`,
	"deltaplan cache lineage": `  deltaplan cache lineage --store ledger.db --run RUN_ID`,
	"deltaplan cache prune":   `  deltaplan cache prune --store ledger.db --keep-runs 10 --json`,
	"deltaplan scan": `  deltaplan scan testdata/example/sales --filter "region IN ('EU', 'NA') AND amount > 100" --count --json
  deltaplan scan testdata/example/sales --columns order_id,amount --format arrow --output sales.arrow`,
	"deltaplan diagnostics": `  deltaplan diagnostics diag run_results --run RUN_ID`,
	"deltaplan bench prune": `  deltaplan bench prune testdata/example/sales --filter "region = 'EU'" --report out --json`,
	"deltaplan cache":       `  deltaplan cache decode KEY --json`,
	"deltaplan bench":       `  deltaplan bench prune testdata/example/sales --filter "region = 'EU'" --report out --json`,
	"deltaplan":             `  deltaplan snapshot testdata/example/sales --json`,
}
