package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/deltaplan/deltaplan/delta"
)

// historyJSON is one line of `history --json`... one element: the command
// prints one document, {"location", "entries": [...]}.
type historyJSON struct {
	Location string             `json:"location"`
	Entries  []historyEntryJSON `json:"entries"`
}

type historyEntryJSON struct {
	Version             int64                      `json:"version"`
	CleanedUp           bool                       `json:"cleaned_up"`
	Missing             bool                       `json:"missing"`                  // a gap between commit files
	OldestVersion       *int64                     `json:"oldest_version,omitempty"` // cleaned-up and missing runs only
	Timestamp           *string                    `json:"timestamp"`                // RFC 3339, UTC
	TimestampMs         *int64                     `json:"timestamp_ms"`
	TimestampSource     *string                    `json:"timestamp_source"` // in_commit_timestamp | file_modification_time
	Operation           *string                    `json:"operation"`
	OperationParameters map[string]json.RawMessage `json:"operation_parameters"`
	EngineInfo          *string                    `json:"engine_info"`
	FilesAdded          *int                       `json:"files_added"`
	FilesRemoved        *int                       `json:"files_removed"`
}

func newHistoryJSON(location string, cs []delta.Commit) historyJSON {
	out := historyJSON{Location: location, Entries: []historyEntryJSON{}}
	str := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	for _, c := range cs {
		e := historyEntryJSON{Version: c.Version, CleanedUp: c.CleanedUp, Missing: c.Missing}
		if c.CleanedUp || c.Missing {
			e.OldestVersion = &c.OldestVersion
		} else {
			ts := time.UnixMilli(c.TimestampMs).UTC().Format(time.RFC3339Nano)
			e.Timestamp, e.TimestampMs, e.TimestampSource = &ts, &c.TimestampMs, &c.TimestampSource
			e.Operation, e.EngineInfo = str(c.Operation), str(c.EngineInfo)
			e.OperationParameters = c.OperationParameters
			if e.OperationParameters == nil {
				e.OperationParameters = map[string]json.RawMessage{}
			}
			e.FilesAdded, e.FilesRemoved = &c.FilesAdded, &c.FilesRemoved
		}
		out.Entries = append(out.Entries, e)
	}
	return out
}

func printHistoryText(w io.Writer, cs []delta.Commit) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "VERSION\tTIMESTAMP\tSOURCE\tOPERATION\tADDED\tREMOVED\tENGINE\tPARAMETERS")
	for _, c := range cs {
		if c.CleanedUp {
			fmt.Fprintf(tw, "%s\t-\t-\t(commit files cleaned up)\t-\t-\t-\t-\n", c.VersionRange())
			continue
		}
		if c.Missing {
			fmt.Fprintf(tw, "%s\t-\t-\t(commit files missing: a gap in the log)\t-\t-\t-\t-\n", c.VersionRange())
			continue
		}
		src := "in-commit"
		if c.TimestampSource == delta.TimestampFileTime {
			src = "file time"
		}
		var params []string
		for _, k := range c.SortedParameters() {
			params = append(params, k+"="+delta.ParameterText(c.OperationParameters[k]))
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%d\t%s\t%s\n", c.Version,
			time.UnixMilli(c.TimestampMs).UTC().Format(time.RFC3339Nano), src, orDash(c.Operation),
			c.FilesAdded, c.FilesRemoved, orDash(c.EngineInfo), orDash(strings.Join(params, " ")))
	}
	return tw.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func init() {
	register(func() *cobra.Command {
		var limit int
		c := &cobra.Command{
			Use:   "history LOCATION",
			Short: "List a Delta table's commits, newest first: version, time, operation, parameters, engine, files added/removed",
			Long: `Prints one entry per commit, newest first (at most --limit): the version, its
timestamp (the in-commit timestamp when the commit has one and the table
enables them, else the commit file's modification time; SOURCE says which),
the operation and its parameters and the engine from commitInfo, and the
number of files the commit added and removed. Versions whose commit files
were cleaned up (the state lives on in a checkpoint) are one entry saying so.`,
			Args: cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				if limit < 0 {
					return usageError{fmt.Errorf("--limit %d: must be >= 0", limit)}
				}
				tbl, err := openTable(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				cs, err := tbl.History(cmd.Context(), limit)
				if err != nil {
					return err
				}
				return outputOf(cmd).Value(newHistoryJSON(args[0], cs), func(w io.Writer) error { return printHistoryText(w, cs) })
			},
		}
		c.Flags().IntVar(&limit, "limit", 0, "print at most N entries (the newest; 0 = all)")
		c.Flags().Bool("json", false, "print one JSON document")
		return c
	})
}
