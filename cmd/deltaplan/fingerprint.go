package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func init() {
	register(func() *cobra.Command {
		var f planFlags
		c := &cobra.Command{
			Use:   "fingerprint PLAN --table NAME=LOCATION ...",
			Short: "Print the plan bundle's signature alone (same arguments as plan)",
			Long: `Builds the plan bundle like 'deltaplan plan' and prints only its signature, on
one line; with --json, the document {"signature": "sha256:<hex>"}.`,
			Args: cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				b, err := f.build(cmd, args[0])
				if err != nil {
					return err
				}
				if f.json {
					return writeJSON(cmd.OutOrStdout(), struct {
						Signature string `json:"signature"`
					}{b.Signature.String()})
				}
				_, err = fmt.Fprintln(cmd.OutOrStdout(), b.Signature)
				return err
			},
		}
		f.add(c, true)
		c.Flags().Lookup("json").Usage = `print {"signature": ...} as JSON`
		return c
	})
}
