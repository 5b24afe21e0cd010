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
			Args:  cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				b, err := f.build(cmd, args[0])
				if err != nil {
					return err
				}
				_, err = fmt.Fprintln(cmd.OutOrStdout(), b.Signature)
				return err
			},
		}
		f.add(c, false)
		return c
	})
}
