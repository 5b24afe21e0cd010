package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/deltaplan/deltaplan/ledger/ledgertest"
)

// storeBackends are the ledgers the CLI tests run against: an SQLite file,
// and a fresh schema on the PostgreSQL server of DELTAPLAN_POSTGRES_URL
// (started by make test through scripts/postgres/with-postgres.sh).
func storeBackends(t *testing.T, dir string) map[string]func(t *testing.T) string {
	return map[string]func(t *testing.T) string{
		"sqlite":   func(t *testing.T) string { return filepath.Join(dir, "ledger-"+strconv.Itoa(len(t.Name()))+".db") },
		"postgres": pgStore,
	}
}

func pgStore(t *testing.T) string { return ledgertest.PostgresSchema(t) }

// helperEnv turns the test binary into a deltaplan process that runs
// rounds of schedule + record (TestHelperStoreRounds).
const helperEnv = "DELTAPLAN_HELPER_ROUNDS"

// TestHelperStoreRounds is not a test: in a process started by
// TestStoreConcurrentProcesses it runs "store|workflow|rounds" rounds of
// `schedule --store` and `record` of every task planned to run.
func TestHelperStoreRounds(t *testing.T) {
	spec := os.Getenv(helperEnv)
	if spec == "" {
		return
	}
	parts := strings.Split(spec, "|")
	rounds, _ := strconv.Atoi(parts[2])
	if err := storeRounds(parts[0], parts[1], rounds); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(0)
}

func storeRounds(store, wf string, rounds int) error {
	for i := range rounds {
		var out, errb bytes.Buffer
		if code := run(context.Background(), []string{"schedule", wf, "--store", store, "--json"}, &out, &errb); code != 0 {
			return fmt.Errorf("round %d: schedule: %s", i, errb.String())
		}
		var d ledgerDoc
		if err := json.Unmarshal(out.Bytes(), &d); err != nil {
			return err
		}
		if len(d.Run) == 0 {
			continue
		}
		args := []string{"record", "--store", store, "--run", d.RunID}
		for _, n := range d.Run {
			args = append(args, "--task", n+"=succeeded")
		}
		errb.Reset()
		if code := run(context.Background(), args, &out, &errb); code != 0 {
			return fmt.Errorf("round %d: record: %s", i, errb.String())
		}
	}
	return nil
}

// TestStoreConcurrentProcesses: 4 processes × 5 rounds of schedule +
// record on one ledger, on each backend: every run is stored, readable
// and recorded (drift --exit-code 0), and the ledger checks out.
func TestStoreConcurrentProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	dir := scheduleWorkspace(t)
	wf := filepath.Join(dir, "workflow.json")
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			store := storeBackends(t, dir)[name](t)
			const procs, rounds = 4, 5
			var wg sync.WaitGroup
			errs := make([]error, procs)
			for p := range procs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					cmd := exec.Command(os.Args[0], "-test.run=^TestHelperStoreRounds$")
					cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s|%s|%d", helperEnv, store, wf, rounds))
					if out, err := cmd.CombinedOutput(); err != nil {
						errs[p] = fmt.Errorf("process %d: %v\n%s", p, err, out)
					}
				}()
			}
			wg.Wait()
			for _, err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			code, out, stderr := runCLI(t, "cache", "lineage", "--store", store)
			if code != 0 {
				t.Fatal(stderr)
			}
			runs := map[string]bool{}
			for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
				var row struct {
					RunID string `json:"run_id"`
				}
				if err := json.Unmarshal([]byte(line), &row); err != nil {
					t.Fatalf("lineage line %q: %v", line, err)
				}
				runs[row.RunID] = true
			}
			if len(runs) != procs*rounds {
				t.Errorf("%d runs in the lineage, want %d", len(runs), procs*rounds)
			}
			for id := range runs {
				if code, out, _ := runCLI(t, "drift", "--store", store, "--run", id, "--exit-code"); code != 0 {
					t.Errorf("run %s drifted: %s", id, out)
				}
			}
			if strings.Contains(stderr, "@") && strings.Contains(store, ":") {
				u, _ := url.Parse(store)
				if pw, ok := u.User.Password(); ok && strings.Contains(stderr, pw) {
					t.Error("stderr shows the password")
				}
			}
		})
	}
}

// TestStoreErrorsHidePasswords: through the CLI, errors about a
// PostgreSQL ledger never show its password.
func TestStoreErrorsHidePasswords(t *testing.T) {
	store := pgStore(t)
	u, _ := url.Parse(store)
	pw, _ := u.User.Password()
	wrong := *u
	wrong.User = url.UserPassword(u.User.Username(), "N0t-The-Passw0rd")
	dir := scheduleWorkspace(t)
	for _, tt := range []struct {
		name   string
		args   []string
		secret string
	}{
		{"wrong password", []string{"schedule", filepath.Join(dir, "workflow.json"), "--store", wrong.String()}, "N0t-The-Passw0rd"},
		{"unknown run", []string{"drift", "--store", store, "--run", "no-such-run", "--json"}, pw},
		{"unknown run in record", []string{"record", "--store", store, "--run", "no-such-run", "--task", "view:x=succeeded"}, pw},
	} {
		code, stdout, stderr := runCLI(t, tt.args...)
		if code != exitBad {
			t.Errorf("%s: exit %d, want 1 (%s)", tt.name, code, stderr)
		}
		if tt.secret == "" || strings.Contains(stderr, tt.secret) || strings.Contains(stdout, tt.secret) {
			t.Errorf("%s: output shows the password (or there is none to hide): %s", tt.name, stderr)
		}
	}
}
