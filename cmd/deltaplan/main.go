// Command deltaplan computes reproducible identities for query plans over
// Delta Lake tables and schedules the exact files each plan reads.
//
// This package only parses flags and calls the library packages; every
// subcommand lives in its own file and registers itself with the root
// command from an init function.
//
// Exit status follows ../shared/CONTRACT.md: 0 success, 1 bad input or a
// failed I/O step, 2 a wrong command line. diff follows diff(1).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"

	"github.com/spf13/cobra"
)

// osExit is a variable so tests can observe the exit status.
var osExit = os.Exit

// Exit statuses.
const (
	exitOK    = 0
	exitBad   = 1
	exitUsage = 2
)

// usageError marks a wrong command line (exit 2).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// exitError carries an explicit exit status with an optional message (used by
// diff, whose status 1 means "different", not "failed").
type exitError struct {
	code int
	msg  string
}

func (e exitError) Error() string { return e.msg }

// subcommands are registered by init functions in the other files.
var subcommands []func() *cobra.Command

func register(f func() *cobra.Command) { subcommands = append(subcommands, f) }

func newRoot(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:           "deltaplan",
		Short:         "Reproducible plan identities and scan-unit schedules for Substrait plans over Delta Lake tables",
		SilenceUsage:  true,
		SilenceErrors: true,
		// --version prints what `deltaplan version` prints.
		Version: strings.TrimSuffix(currentVersion().text(), "\n"),
	}
	root.SetVersionTemplate("{{.Version}}\n")
	root.Flags().BoolP("version", "v", false, "print the version and the format versions (as 'deltaplan version' does)")
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	for _, f := range subcommands {
		c := f()
		if c.Args != nil {
			c.Args = usageArgs(c.Args)
		}
		root.AddCommand(c)
	}
	applyConventions(root)
	return root
}

// usageArgs turns positional-argument errors into usage errors.
func usageArgs(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := check(cmd, args); err != nil {
			return usageError{err}
		}
		return nil
	}
}

// run executes the command line and returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRoot(stdout, stderr)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	var ee exitError
	if errors.As(err, &ee) {
		if ee.msg != "" {
			fmt.Fprintln(stderr, "deltaplan:", ee.msg)
		}
		return ee.code
	}
	fmt.Fprintln(stderr, "deltaplan:", err)
	var ue usageError
	if errors.As(err, &ue) || isCobraUsage(err) {
		return exitUsage
	}
	return exitBad
}

// isCobraUsage recognises cobra's own command-line errors (unknown command),
// which it returns as plain errors.
func isCobraUsage(err error) bool {
	msg := err.Error()
	return len(msg) >= 15 && msg[:15] == "unknown command"
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	osExit(code)
}
