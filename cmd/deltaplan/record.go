package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/deltaplan/deltaplan/diagnostics"
	"github.com/deltaplan/deltaplan/ledger"
	"github.com/deltaplan/deltaplan/workflow"
)

func init() {
	register(func() *cobra.Command {
		var (
			store   string
			logFile string
			diagLoc string
			asJSON  bool
		)
		c := &cobra.Command{
			Use:   "record RESULTS",
			Short: "Record what an engine ran for a planned run (deltaplan schedule --store) in the run ledger",
			Long: `Reads RESULTS ("-" for stdin), {"run_id": str, "tasks": [{"name": str, "status":
"succeeded"|"failed"|"skipped", "data_version": str, "started_at": RFC 3339,
"ended_at": RFC 3339, "group": int}]} (data_version, times and group optional),
and stores every task in one transaction. An unknown run or task, a task listed
twice or already recorded, or a malformed file stores nothing and exits 1.
A succeeded task whose inputs ran in the same run is re-keyed with the data
versions they recorded.`,
			Args: cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				if store == "" {
					return usageError{fmt.Errorf("--store is required")}
				}
				data, err := readInput(cmd.InOrStdin(), args[0])
				if err != nil {
					return fmt.Errorf("read results %s: %w", args[0], err)
				}
				res, err := ledger.ParseResults(data, args[0])
				if err != nil {
					return err
				}
				st, err := openStore(cmd.Context(), store)
				if err != nil {
					return err
				}
				defer st.Close()
				log, err := openEventLog(logFile)
				if err != nil {
					return err
				}
				sum, err := st.Record(cmd.Context(), res, workflow.Rekey)
				if err != nil {
					log.close()
					return fmt.Errorf("record %s: %w", args[0], err)
				}
				now := time.Now().UTC()
				for _, r := range sum.Records {
					log.add(workflow.Event{RunID: sum.RunID, TS: now, Actor: "record", Event: workflow.EventRecord, Node: r.Name,
						Value: map[string]string{"status": r.Status, "cache_key": r.CacheKey, "data_version": r.DataVersion}})
					if r.CacheKey != r.PlannedKey {
						log.add(workflow.Event{RunID: sum.RunID, TS: now, Actor: "record", Event: workflow.EventRekey, Node: r.Name,
							Value: map[string]string{"planned": r.PlannedKey, "cache_key": r.CacheKey}})
					}
				}
				if err := log.close(); err != nil {
					return err
				}
				if diagLoc != "" {
					d, err := st.Drift(cmd.Context(), res.RunID)
					if err != nil {
						return err
					}
					if err := writeDiagnostics(cmd.Context(), diagLoc, res.RunID,
						diagnostics.RunResults(diagnostics.FromRecord(res, sum)...), diagnostics.Drifts(diagnostics.FromDrift(d)...)); err != nil {
						return err
					}
				}
				if asJSON {
					return writeJSON(cmd.OutOrStdout(), sum)
				}
				return printRecord(cmd.OutOrStdout(), sum)
			},
		}
		c.Flags().StringVar(&store, "store", "", "the run ledger (SQLite file) the run was planned in (required)")
		c.Flags().StringVar(&logFile, "log", "", "append one JSON line per recorded task to this file")
		c.Flags().BoolVar(&asJSON, "json", false, "print what was recorded as JSON")
		c.Flags().StringVar(&diagLoc, "diagnostics", "", "append the run's run_results and drift rows to Delta tables under LOCATION")
		return c
	})
}

// readInput reads a file, or stdin for "-".
func readInput(stdin io.Reader, name string) ([]byte, error) {
	if name == "-" {
		return io.ReadAll(stdin)
	}
	return os.ReadFile(name)
}

func printRecord(w io.Writer, s *ledger.RecordSummary) error {
	fmt.Fprintf(w, "run %s: recorded %d tasks (%d succeeded, %d failed, %d skipped)\n", s.RunID, s.Recorded, s.Succeeded, s.Failed, s.Skipped)
	if len(s.Rekeyed) > 0 {
		fmt.Fprintf(w, "re-keyed with their inputs' recorded data versions: %s\n", strings.Join(s.Rekeyed, ", "))
	}
	return nil
}
