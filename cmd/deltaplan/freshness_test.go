package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// decisions maps each admitted node to its status, reason, causes and root
// causes as JSON: what must be identical through --previous and --store.
func decisions(t *testing.T, d ledgerDoc) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, n := range d.Nodes {
		if n.Admitted {
			c, _ := json.Marshal(n.Causes)
			r, _ := json.Marshal(n.RootCauses)
			out[n.Name] = n.Status + "/" + n.Reason + " " + string(c) + " " + string(r)
		}
	}
	return out
}

func schedulePrevious(t *testing.T, wf, prev, out string) ledgerDoc {
	t.Helper()
	args := []string{"schedule", "--json", wf}
	if prev != "" {
		args = append(args, "--previous", prev)
	}
	code, stdout, stderr := runCLI(t, args...)
	if code != 0 {
		t.Fatalf("schedule %v: exit %d: %s", args, code, stderr)
	}
	if err := os.WriteFile(out, []byte(stdout), 0o644); err != nil {
		t.Fatal(err)
	}
	var d ledgerDoc
	if err := json.Unmarshal([]byte(stdout), &d); err != nil {
		t.Fatal(err)
	}
	return d
}

// TestOneFreshnessModel is the partition scenario through --previous and
// through --store side by side: after each commit both give every admitted
// node the same status, reason, causes and root causes. A commit to a
// partition no view reads leaves every view fresh; one that adds a file a
// view reads makes it stale naming the table, both versions and the file.
// Then, on the store (an SQLite file and PostgreSQL): a failed view is stale with cause failed naming the
// run and attempt; a second attempt that succeeds makes it fresh; the same
// attempt twice is refused.
func TestOneFreshnessModel(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) { oneFreshnessModel(t, backend) })
	}
}

func oneFreshnessModel(t *testing.T, backend string) {
	dir := scheduleWorkspace(t)
	wf := filepath.Join(dir, "workflow.json")
	b, _ := os.ReadFile(wf)
	os.WriteFile(wf, bytes.Replace(b, []byte(`,
      "behavior": "recompute"`), nil, 1), 0o644)
	store := storeBackends(t, dir)[backend](t)
	sales := filepath.Join(dir, "sales")

	same := func(step string, p, s ledgerDoc) {
		t.Helper()
		dp, ds := decisions(t, p), decisions(t, s)
		if len(dp) != len(ds) || len(dp) == 0 {
			t.Errorf("%s: %d admitted through --previous, %d through --store", step, len(dp), len(ds))
		}
		for name, want := range ds {
			if got := dp[name]; got != want {
				t.Errorf("%s: %s\n --previous: %s\n --store:    %s", step, name, got, want)
			}
		}
	}

	p1 := schedulePrevious(t, wf, "", filepath.Join(dir, "p1.json"))
	d1 := scheduleStore(t, wf, "--store", store)
	same("first run", p1, d1)
	recordRun(t, dir, store, d1)

	commitCopy(t, sales, apacFile, "region=APAC/part-00009-new.c000.snappy.parquet", 5)
	p2 := schedulePrevious(t, wf, filepath.Join(dir, "p1.json"), filepath.Join(dir, "p2.json"))
	d2 := scheduleStore(t, wf, "--store", store)
	same("commit to a partition no view reads", p2, d2)
	for name, st := range d2.status() {
		if strings.HasPrefix(name, "view:") && st != "fresh" {
			t.Errorf("APAC commit: %s is %s, want fresh", name, st)
		}
	}
	recordRun(t, dir, store, d2)

	commitCopy(t, sales, euFile, "region=EU/part-00009-new.c000.snappy.parquet", 6)
	p3 := schedulePrevious(t, wf, filepath.Join(dir, "p2.json"), filepath.Join(dir, "p3.json"))
	d3 := scheduleStore(t, wf, "--store", store)
	same("commit of a file top_eu_orders reads", p3, d3)
	var cause string
	for _, n := range p3.Nodes {
		if n.Name == "view:top_eu_orders" {
			if n.Status != "stale" || len(n.Causes) == 0 {
				t.Fatalf("top_eu_orders %s %+v, want stale with causes", n.Status, n.Causes)
			}
			cause = n.Causes[0].Reason
		}
	}
	// Computed at version 4 (the APAC commit ran nothing it reads).
	for _, want := range []string{"table sales", "version 4 -> 6", "files added: region=EU/part-00009-new.c000.snappy.parquet"} {
		if !strings.Contains(cause, want) {
			t.Errorf("--previous cause %q lacks %q", cause, want)
		}
	}

	// The run fails top_eu_orders after its units succeeded.
	var args []string
	for _, n := range d3.Run {
		status := "succeeded"
		if n == "view:top_eu_orders" {
			status = "failed"
		}
		args = append(args, "--task", n+"="+status)
	}
	if code, _, stderr := runCLI(t, append([]string{"record", "--store", store, "--run", d3.RunID}, args...)...); code != 0 {
		t.Fatal(stderr)
	}
	d4 := scheduleStore(t, wf, "--store", store)
	for _, n := range d4.Nodes {
		if n.Name != "view:top_eu_orders" {
			continue
		}
		if n.Status != "stale" || n.Reason != "failed" || len(n.Causes) != 1 || n.Causes[0].Category != "failed" ||
			n.Causes[0].Run != d3.RunID || n.Causes[0].Attempt != 1 {
			t.Errorf("after a failure: %s/%s %+v, want stale/failed naming run %s attempt 1", n.Status, n.Reason, n.Causes, d3.RunID)
		}
	}
	// A second attempt of the same run succeeds: fresh again.
	retry := []string{"record", "--store", store, "--run", d3.RunID, "--attempt", "2", "--task", "view:top_eu_orders=succeeded"}
	if code, _, stderr := runCLI(t, retry...); code != 0 {
		t.Fatal(stderr)
	}
	if code, _, stderr := runCLI(t, retry...); code != exitBad || !strings.Contains(stderr, "attempt 2 already recorded") {
		t.Errorf("the same attempt twice: exit %d %q, want 1", code, stderr)
	}
	d5 := scheduleStore(t, wf, "--store", store)
	if st := d5.status()["view:top_eu_orders"]; st != "fresh" {
		t.Errorf("after a successful retry: top_eu_orders is %s, want fresh", st)
	}

	// Pruning every run but the newest changes no decision.
	if code, _, stderr := runCLI(t, "cache", "prune", "--store", store); code != exitUsage {
		t.Errorf("prune without a criterion: exit %d %s", code, stderr)
	}
	code, out, stderr := runCLI(t, "cache", "prune", "--store", store, "--keep-runs", "1", "--json")
	if code != 0 || !strings.Contains(out, d1.RunID) {
		t.Fatalf("prune: exit %d %s %s", code, out, stderr)
	}
	d6 := scheduleStore(t, wf, "--store", store)
	if a, b := decisions(t, d5), decisions(t, d6); len(a) != len(b) {
		t.Errorf("after pruning: %d decisions, before %d", len(b), len(a))
	} else {
		for name, want := range a {
			// Explanations name runs; statuses, reasons and causes must not move.
			if b[name] != want {
				t.Errorf("after pruning: %s: %s, before %s", name, b[name], want)
			}
		}
	}
}

// TestRecordRefusesInconsistentResults: a view reported succeeded while an
// input that runs in the run failed is refused, naming both, and nothing is
// stored.
func TestRecordRefusesInconsistentResults(t *testing.T) {
	dir := scheduleWorkspace(t)
	store := filepath.Join(dir, "ledger.db")
	d := scheduleStore(t, filepath.Join(dir, "workflow.json"), "--store", store, "--view", "region_report")
	args := []string{"record", "--store", store, "--run", d.RunID}
	for _, n := range d.Run {
		status := "succeeded"
		if n == "view:revenue_by_region" {
			status = "failed"
		}
		args = append(args, "--task", n+"="+status)
	}
	code, _, stderr := runCLI(t, args...)
	if code != exitBad || !strings.Contains(stderr, "view:region_report succeeded but its input view:revenue_by_region failed") {
		t.Errorf("exit %d, stderr %q: want 1 naming both", code, stderr)
	}
	_, out, _ := runCLI(t, "drift", "--store", store, "--run", d.RunID, "--json")
	var drift struct {
		AdmittedNotReported []string `json:"admitted_not_reported"`
	}
	json.Unmarshal([]byte(out), &drift)
	if len(drift.AdmittedNotReported) != len(d.Run) {
		t.Errorf("something was stored: %s", out)
	}
}
