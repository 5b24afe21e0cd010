package main

import (
	"bufio"
	"encoding/json"
	"io"

	"github.com/spf13/cobra"
)

// output is the one seam commands print results through: a text and a JSON
// implementation, chosen by the --json flag every printing command has
// (main.go adds it where a command does not declare it). Commands hand
// over a value and its text rendering; they never branch on --json.
type output interface {
	// Value prints one result: its text form, or v as one JSON document.
	Value(v any, text func(w io.Writer) error) error
	// JSON reports whether this is the JSON output (for commands whose
	// text and JSON forms differ in what they compute, e.g. a cycle).
	JSON() bool
	// Writer is the underlying stdout (for streaming forms such as JSON
	// lines, which are the same in both modes).
	Writer() io.Writer
}

type textOutput struct{ w io.Writer }

func (o textOutput) Value(_ any, text func(io.Writer) error) error { return text(o.w) }
func (textOutput) JSON() bool                                      { return false }
func (o textOutput) Writer() io.Writer                             { return o.w }

type jsonOutput struct{ w io.Writer }

func (o jsonOutput) Value(v any, _ func(io.Writer) error) error { return writeJSON(o.w, v) }
func (jsonOutput) JSON() bool                                   { return true }
func (o jsonOutput) Writer() io.Writer                          { return o.w }

// outputOf returns the command's output: JSON when its --json flag is set.
func outputOf(cmd *cobra.Command) output {
	if on, err := cmd.Flags().GetBool("json"); err == nil && on {
		return jsonOutput{cmd.OutOrStdout()}
	}
	return textOutput{cmd.OutOrStdout()}
}

// writeJSON prints v as one indented JSON document. Callers pass structs or
// sorted slices only, so the output never depends on map order (encoding/json
// sorts map keys).
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// printLines prints one compact JSON document per row: the documented form
// of row listings (diagnostics, cache lineage) with or without --json.
func printLines[T any](o output, rows []T) error {
	bw := bufio.NewWriter(o.Writer())
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for _, r := range rows {
		if err := enc.Encode(r); err != nil {
			return err
		}
	}
	return bw.Flush()
}
