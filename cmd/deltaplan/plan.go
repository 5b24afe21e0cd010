package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/deltaplan/deltaplan/delta"
	"github.com/deltaplan/deltaplan/diagnostics"
	"github.com/deltaplan/deltaplan/planbundle"
	"github.com/deltaplan/deltaplan/session"
)

// planOpen opens table locations for plan and fingerprint: local paths,
// file:// URIs and object stores.
var planOpen func(ctx context.Context, location string) (*delta.Table, error) = openTable

// planFlags are the arguments plan and fingerprint share.
type planFlags struct {
	tables      []string
	versions    []string
	sessionFile string
	targetBytes int64
	json        bool
}

func (f *planFlags) add(c *cobra.Command, withJSON bool) {
	c.Flags().StringArrayVar(&f.tables, "table", nil, "NAME=LOCATION of a table the plan reads (repeatable)")
	c.Flags().StringArrayVar(&f.versions, "version", nil, "NAME=N pins table NAME at version N (repeatable; default latest)")
	c.Flags().StringVar(&f.sessionFile, "session", "", "session file (JSON); absent means the empty session")
	c.Flags().Int64Var(&f.targetBytes, "target-bytes", 0, "scan-unit size in bytes (default 256 MiB)")
	if withJSON {
		c.Flags().BoolVar(&f.json, "json", false, "print the bundle as JSON")
	}
}

// inputs turns the flags into bundle inputs; malformed flags are usage
// errors (exit 2), unreadable files bad input (exit 1).
func (f *planFlags) inputs(ctx context.Context, stdin io.Reader, planPath string) (planbundle.Inputs, error) {
	in := planbundle.Inputs{TargetBytes: f.targetBytes, Open: planOpen}
	if f.targetBytes < 0 {
		return in, usageError{fmt.Errorf("--target-bytes %d: must be >= 0", f.targetBytes)}
	}
	index := map[string]int{}
	for _, t := range f.tables {
		name, loc, ok := strings.Cut(t, "=")
		if !ok || name == "" || loc == "" {
			return in, usageError{fmt.Errorf("--table %q: want NAME=LOCATION", t)}
		}
		key := strings.ToLower(name)
		if _, dup := index[key]; dup {
			return in, usageError{fmt.Errorf("--table %s given twice", name)}
		}
		index[key] = len(in.Tables)
		in.Tables = append(in.Tables, planbundle.Table{Name: name, Location: loc})
	}
	for _, v := range f.versions {
		name, num, ok := strings.Cut(v, "=")
		n, err := strconv.ParseInt(num, 10, 64)
		if !ok || err != nil || n < 0 {
			return in, usageError{fmt.Errorf("--version %q: want NAME=N with N >= 0", v)}
		}
		i, found := index[strings.ToLower(name)]
		if !found {
			return in, usageError{fmt.Errorf("--version %s: no --table %s=LOCATION", v, name)}
		}
		if in.Tables[i].Version != nil {
			return in, usageError{fmt.Errorf("--version for table %s given twice", name)}
		}
		in.Tables[i].Version = &n
	}
	var err error
	if planPath == "-" {
		in.Plan, err = io.ReadAll(stdin)
	} else {
		in.Plan, err = os.ReadFile(planPath)
	}
	if err != nil {
		return in, fmt.Errorf("read plan %s: %w", planPath, err)
	}
	if f.sessionFile != "" {
		if in.Session, err = session.Load(ctx, f.sessionFile); err != nil {
			return in, err
		}
	}
	return in, nil
}

func (f *planFlags) build(cmd *cobra.Command, planPath string) (*planbundle.Bundle, error) {
	in, err := f.inputs(cmd.Context(), cmd.InOrStdin(), planPath)
	if err != nil {
		return nil, err
	}
	b, err := planbundle.Build(cmd.Context(), in)
	if err != nil {
		return nil, fmt.Errorf("plan %s: %w", planPath, err)
	}
	return b, nil
}

func init() {
	register(func() *cobra.Command {
		var f planFlags
		var substraitDir, diagLocation string
		c := &cobra.Command{
			Use:   "plan PLAN --table NAME=LOCATION ...",
			Short: "Build the plan bundle: signature, components, lineage, scan units, session",
			Long: `Reads PLAN (Substrait protobuf binary or JSON; "-" reads stdin), matches each
named-table read to a --table (its name or last dotted part, case-insensitively),
pins each table once (latest, or --version NAME=N), prunes each read's files with
its pushed filters, packs them into scan units, and signs everything with the
session (--session FILE). The signature never depends on table locations.`,
			Args: cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				b, err := f.build(cmd, args[0])
				if err != nil {
					return err
				}
				if substraitDir != "" {
					if err := writeUnitsSubstrait(cmd.Context(), substraitDir, b); err != nil {
						return err
					}
				}
				if diagLocation != "" {
					if err := writeDiagnostics(cmd.Context(), diagLocation, newRunID(), diagnostics.BundleBatches(viewName(args[0]), b)...); err != nil {
						return err
					}
				}
				if f.json {
					return planbundle.Write(cmd.OutOrStdout(), b)
				}
				return printBundleText(cmd.OutOrStdout(), b)
			},
		}
		f.add(c, true)
		c.Flags().StringVar(&diagLocation, "diagnostics", "", "append plan_bundles, scan_units and lineage_reads rows (a fresh run id) to the Delta tables under LOCATION")
		c.Flags().StringVar(&substraitDir, "scan-units-substrait", "", "write one Substrait plan per scan unit (protobuf JSON) to DIR/<unit id>.substrait.json")
		return c
	})
}

func printBundleText(w io.Writer, b *planbundle.Bundle) error {
	c := b.Components
	fmt.Fprintf(w, "signature          %s\n", b.Signature)
	fmt.Fprintf(w, "plan fingerprint   %s\n", c.PlanFingerprint)
	fmt.Fprintf(w, "runtime hash       %s (whole session, not signed)\n", c.RuntimeHash)
	fmt.Fprintf(w, "settings hash      %s\n", c.SettingsHash)
	fmt.Fprintf(w, "udf snapshot hash  %s (called UDFs)\n", c.UDFSnapshotHash)
	fmt.Fprintf(w, "scan units digest  %s\n", c.ScanUnitsDigest)
	fmt.Fprintf(w, "rewrite tags       %s (those that apply)\n", listOrNone(c.RewriteTags))
	fmt.Fprintf(w, "planners           %s\n", listOrNone(c.Planners))
	for _, u := range b.RequiredUDFs {
		fmt.Fprintf(w, "required udf       %s(%s) %s\n", u.Name, u.Signature, u.ImplementationDigest)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "\nTABLE\tTABLE ID\tVERSION")
	for _, p := range c.DeltaPins {
		fmt.Fprintf(tw, "%s\t%s\t%d\n", p.Table, p.TableID, p.Version)
	}
	fmt.Fprintln(tw, "\nREAD\tCOLUMN\tTABLE COLUMN\tDELTA TYPE")
	for _, r := range b.Reads {
		for _, col := range r.Columns {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Table, col.Name, col.Column, col.DeltaType)
		}
	}
	fmt.Fprintln(tw, "\nSCAN UNIT\tTABLE\tFILES\tBYTES\tRECORDS")
	for _, u := range b.ScanUnits {
		recs := "-"
		if u.Records != nil {
			recs = strconv.FormatInt(*u.Records, 10)
		}
		fmt.Fprintf(tw, "%.12s\t%s\t%d\t%d\t%s\n", u.ID, u.Table, len(u.Files), u.Bytes, recs)
	}
	return tw.Flush()
}

func listOrNone(s []string) string {
	if len(s) == 0 {
		return "(none)"
	}
	return strings.Join(s, ", ")
}
