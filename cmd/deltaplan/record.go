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
			runID   string
			tasks   []string
			attempt int
		)
		c := &cobra.Command{
			Use:   "record --store DB (RESULTS | --run ID --task NAME=STATUS[:DATA_VERSION] ...)",
			Short: "Record what an engine ran for a planned run (deltaplan schedule --store) in the run ledger",
			Long: `Reads RESULTS ("-" for stdin), {"run_id": str, "tasks": [{"name": str, "status":
"succeeded"|"failed"|"skipped", "data_version": str, "started_at": RFC 3339,
"ended_at": RFC 3339, "group": int}]} (data_version, times and group optional),
and stores every task in one transaction. An unknown run or task, a task listed
twice or already recorded, or a malformed file stores nothing and exits 1.
A succeeded task whose inputs ran in the same run is re-keyed with the data
versions they recorded. A task may carry "attempt" (default 1): a later
attempt of the run may be recorded later; the highest decides; the same
attempt twice is refused. A task that succeeded while an input that runs in
this run failed or was not reported is refused. Small runs: --run ID and
--task NAME=STATUS[:DATA_VERSION] (repeatable, with --attempt N) instead of
a file. The ledger must exist (deltaplan schedule --store creates it).`,
			Args: cobra.MaximumNArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				if store == "" {
					return usageError{fmt.Errorf("--store is required")}
				}
				var (
					res    *ledger.Results
					source = "--task"
				)
				switch {
				case len(args) == 1 && (len(tasks) > 0 || runID != ""):
					return usageError{fmt.Errorf("RESULTS and --run/--task exclude each other")}
				case len(args) == 1:
					source = args[0]
					data, err := readInput(cmd.InOrStdin(), args[0])
					if err != nil {
						return fmt.Errorf("read results %s: %w", args[0], err)
					}
					if res, err = ledger.ParseResults(data, args[0]); err != nil {
						return err
					}
				default:
					var err error
					if res, err = taskResults(runID, tasks, attempt); err != nil {
						return usageError{err}
					}
				}
				st, err := openExistingStore(cmd.Context(), store)
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
					return fmt.Errorf("record %s: %w", source, err)
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
		c.Flags().StringVar(&store, "store", "", "the run ledger (SQLite file) the run was planned in (required; must exist)")
		c.Flags().StringVar(&runID, "run", "", "the run the --task results belong to")
		c.Flags().StringArrayVar(&tasks, "task", nil, "a result NAME=STATUS[:DATA_VERSION] (repeatable; instead of RESULTS)")
		c.Flags().IntVar(&attempt, "attempt", 0, "the attempt of the --task results (default 1)")
		c.Flags().StringVar(&logFile, "log", "", "append one JSON line per recorded task to this file")
		c.Flags().BoolVar(&asJSON, "json", false, "print what was recorded as JSON")
		c.Flags().StringVar(&diagLoc, "diagnostics", "", "append the run's run_results and drift rows to Delta tables under LOCATION")
		return c
	})
}

// taskResults builds results from --run and --task NAME=STATUS[:DATA_VERSION].
func taskResults(runID string, tasks []string, attempt int) (*ledger.Results, error) {
	if runID == "" || len(tasks) == 0 {
		return nil, fmt.Errorf("give a RESULTS file, or --run ID with at least one --task NAME=STATUS[:DATA_VERSION]")
	}
	if attempt < 0 {
		return nil, fmt.Errorf("--attempt %d: attempts start at 1", attempt)
	}
	res := &ledger.Results{RunID: runID}
	for _, t := range tasks {
		name, rest, ok := strings.Cut(t, "=")
		if !ok || name == "" || rest == "" {
			return nil, fmt.Errorf("--task %q: want NAME=STATUS[:DATA_VERSION]", t)
		}
		status, dv, hasDV := strings.Cut(rest, ":")
		tr := ledger.TaskResult{Name: name, Status: status}
		if hasDV {
			if dv == "" {
				return nil, fmt.Errorf("--task %q: empty data version", t)
			}
			tr.DataVersion = &dv
		}
		if attempt > 0 {
			a := attempt
			tr.Attempt = &a
		}
		res.Tasks = append(res.Tasks, tr)
	}
	if err := ledger.ValidateResults(res); err != nil {
		return nil, fmt.Errorf("--task: %w", err)
	}
	return res, nil
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
