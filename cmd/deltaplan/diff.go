package main

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/deltaplan/deltaplan/planbundle"
)

func init() {
	register(func() *cobra.Command {
		var asJSON bool
		c := &cobra.Command{
			Use:   "diff BUNDLE_A BUNDLE_B",
			Short: "Explain which components of two plan bundles differ (exit 0 same, 1 different, 2 trouble)",
			Long: `Compares two bundles written by 'deltaplan plan --json' and names each changed
component: a Delta pin that moved (table, old -> new version), a setting, a UDF,
a rewrite tag or planner, and the relation paths of the plan whose content
changed with what changed inside them (filter: a -> b, added output columns,
join keys, functions), and per read the files added and removed. Each change is
classified data or code, and breaking, non_breaking (only adds output columns)
or none (outside the signature, such as a UDF the plan never calls). Bundles of
two encoding versions are reported as such. Exit status follows diff(1): 0 same
(equal signatures), 1 different, 2 trouble (an unreadable or invalid bundle).`,
			Args: cobra.ExactArgs(2),
			RunE: func(cmd *cobra.Command, args []string) error {
				a, err := readBundle(args[0])
				if err != nil {
					return exitError{code: exitUsage, msg: err.Error()}
				}
				b, err := readBundle(args[1])
				if err != nil {
					return exitError{code: exitUsage, msg: err.Error()}
				}
				res, err := planbundle.Diff(a, b)
				if err != nil {
					return exitError{code: exitUsage, msg: err.Error()}
				}
				if asJSON {
					err = writeJSON(cmd.OutOrStdout(), res)
				} else {
					err = printDiffText(cmd.OutOrStdout(), a, b, res)
				}
				if err != nil {
					return exitError{code: exitUsage, msg: err.Error()}
				}
				if !res.Same {
					return exitError{code: exitBad}
				}
				return nil
			},
		}
		c.Flags().BoolVar(&asJSON, "json", false, "print one JSON document")
		return c
	})
}

func readBundle(path string) (*planbundle.Bundle, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read bundle %s: %w", path, err)
	}
	defer f.Close()
	return planbundle.Read(f, path)
}

func printDiffText(w io.Writer, a, b *planbundle.Bundle, res planbundle.Result) error {
	if res.Same {
		fmt.Fprintf(w, "same signature %s\n", a.Signature)
	} else {
		fmt.Fprintf(w, "signature %s -> %s\n", a.Signature, b.Signature)
	}
	for _, l := range res.Lines() {
		if _, err := fmt.Fprintf(w, "  %s\n", l); err != nil {
			return err
		}
	}
	return nil
}
