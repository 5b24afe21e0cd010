package main

import (
	"bytes"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/deltaplan/deltaplan/workflow"
)

type ledgerDoc struct {
	RunID   string   `json:"run_id"`
	Run     []string `json:"run"`
	Summary struct {
		Fresh, Stale, Missing int
	} `json:"summary"`
	Nodes []struct {
		Name       string           `json:"name"`
		Admitted   bool             `json:"admitted"`
		Status     string           `json:"status"`
		Reason     string           `json:"reason"`
		CacheKey   string           `json:"cache_key"`
		Causes     []workflow.Cause `json:"causes"`
		RootCauses []workflow.Cause `json:"root_causes"`
	} `json:"nodes"`
}

// allSucceeded is a results file reporting every admitted node of d
// succeeded.
func allSucceeded(d ledgerDoc) string {
	var tasks []map[string]string
	for _, name := range slices.Sorted(maps.Keys(d.status())) {
		tasks = append(tasks, map[string]string{"name": name, "status": "succeeded"})
	}
	b, _ := json.Marshal(map[string]any{"run_id": d.RunID, "tasks": tasks})
	return string(b)
}

// scanTasks reports d's admitted scan units succeeded, as JSON array
// elements each preceded by a comma.
func scanTasks(d ledgerDoc) string {
	var b strings.Builder
	for _, name := range slices.Sorted(maps.Keys(d.status())) {
		if strings.HasPrefix(name, "scan:") {
			b.WriteString(`, {"name": "` + name + `", "status": "succeeded"}`)
		}
	}
	return b.String()
}

func (d ledgerDoc) status() map[string]string {
	out := map[string]string{}
	for _, n := range d.Nodes {
		if n.Admitted {
			out[n.Name] = n.Status
		}
	}
	return out
}

func scheduleStore(t *testing.T, args ...string) ledgerDoc {
	t.Helper()
	code, stdout, stderr := runCLI(t, append([]string{"schedule", "--json"}, args...)...)
	if code != 0 {
		t.Fatalf("schedule %v: exit %d: %s", args, code, stderr)
	}
	var d ledgerDoc
	if err := json.Unmarshal([]byte(stdout), &d); err != nil {
		t.Fatal(err)
	}
	if d.RunID == "" {
		t.Fatal("no run_id")
	}
	return d
}

// recordRun records every task of the run list with status succeeded.
func recordRun(t *testing.T, dir, store string, d ledgerDoc) {
	t.Helper()
	res := map[string]any{"run_id": d.RunID, "tasks": []map[string]any{}}
	for _, n := range d.Run {
		res["tasks"] = append(res["tasks"].([]map[string]any), map[string]any{"name": n, "status": "succeeded"})
	}
	path := filepath.Join(dir, d.RunID+".json")
	data, _ := json.Marshal(res)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runCLI(t, "record", "--store", store, path); code != 0 {
		t.Fatalf("record: exit %d: %s", code, stderr)
	}
}

// commitCopy commits a copy of one of the table's data files (with its add
// action's stats) under a new name at the next version.
func commitCopy(t *testing.T, table, src, dst string, version int) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(table, src))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(table, dst), data, 0o644); err != nil {
		t.Fatal(err)
	}
	logs, _ := filepath.Glob(filepath.Join(table, "_delta_log", "*.json"))
	var add string
	for _, l := range logs {
		b, _ := os.ReadFile(l)
		if m := regexp.MustCompile(`\{"add":\{"path":"` + regexp.QuoteMeta(src) + `".*`).Find(b); m != nil {
			add = string(m)
		}
	}
	if add == "" {
		t.Fatalf("no add for %s", src)
	}
	commit := `{"commitInfo":{"inCommitTimestamp":1714550000000,"timestamp":1714550000000,"operation":"WRITE"}}` + "\n" + strings.Replace(add, src, dst, 1) + "\n"
	name := filepath.Join(table, "_delta_log", strings.Repeat("0", 19)+string(rune('0'+version))+".json")
	if err := os.WriteFile(name, []byte(commit), 0o644); err != nil {
		t.Fatal(err)
	}
}

const (
	apacFile = "region=APAC/part-00000-5a1e0000-0c0d-4e0f-8a1b-000000000001.c000.snappy.parquet"
	euFile   = "region=EU/part-00002-5a1e0002-0c0d-4e0f-8a1b-000000000003.c000.snappy.parquet"
)

// TestScheduleStorePartitions is the demo's story through the CLI: a
// recorded run, a commit to a partition no view reads (all stay fresh), a
// commit of a file one view reads (only it runs, with the table, both
// versions and the file in its cause).
func TestScheduleStorePartitions(t *testing.T) {
	dir := scheduleWorkspace(t)
	wf := filepath.Join(dir, "workflow.json")
	// Without the recompute view's behavior, so every view can be fresh.
	b, _ := os.ReadFile(wf)
	os.WriteFile(wf, bytes.Replace(b, []byte(`,
      "behavior": "recompute"`), nil, 1), 0o644)
	store := filepath.Join(dir, "ledger.db")
	logFile := filepath.Join(dir, "events.jsonl")

	d1 := scheduleStore(t, wf, "--store", store, "--log", logFile)
	if d1.Summary.Missing != len(d1.status()) || len(d1.Run) != len(d1.status()) {
		t.Fatalf("first run: summary %+v, run %v", d1.Summary, d1.Run)
	}
	recordRun(t, dir, store, d1)
	d2 := scheduleStore(t, wf, "--store", store)
	if len(d2.Run) != 0 {
		t.Fatalf("after recording: run %v", d2.Run)
	}

	table := filepath.Join(dir, "sales")
	commitCopy(t, table, apacFile, "region=APAC/part-00009-new.c000.snappy.parquet", 5)
	d3 := scheduleStore(t, wf, "--store", store, "--log", logFile)
	if len(d3.Run) != 0 {
		t.Errorf("APAC commit: run %v, want nothing (no view reads APAC)", d3.Run)
	}

	commitCopy(t, table, euFile, "region=EU/part-00009-new.c000.snappy.parquet", 6)
	d4 := scheduleStore(t, wf, "--store", store)
	st := d4.status()
	if st["view:top_eu_orders"] != "stale" {
		t.Fatalf("EU commit: top_eu_orders %s", st["view:top_eu_orders"])
	}
	for name, s := range st {
		if strings.HasPrefix(name, "view:") && name != "view:top_eu_orders" && s != "fresh" {
			t.Errorf("EU commit: %s is %s", name, s)
		}
	}
	var reason string
	for _, n := range d4.Nodes {
		if n.Name == "view:top_eu_orders" {
			for _, c := range n.Causes {
				if c.Category == "data" {
					reason = c.Reason
				}
			}
		}
	}
	// Its last record is from the first run (the APAC commit ran nothing).
	for _, want := range []string{"table sales", "version 4 -> 6", "files added: region=EU/part-00009-new.c000.snappy.parquet"} {
		if !strings.Contains(reason, want) {
			t.Errorf("data cause %q lacks %q", reason, want)
		}
	}

	// The log: JSON lines of the documented events, two runs' worth.
	data, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	known := []string{workflow.EventResolveBehavior, workflow.EventCodeVersion, workflow.EventDataVersion, workflow.EventCacheKey,
		workflow.EventHit, workflow.EventMiss, workflow.EventAdmit, workflow.EventReject, workflow.EventPlan}
	runs := map[string]bool{}
	for i, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var e workflow.Event
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("log line %d: %v", i+1, err)
		}
		if !slices.Contains(known, e.Event) || e.Actor != "schedule" || e.TS.IsZero() {
			t.Errorf("log line %d: %s", i+1, line)
		}
		runs[e.RunID] = true
	}
	if !runs[d1.RunID] || !runs[d3.RunID] || len(runs) != 2 {
		t.Errorf("log runs %v", runs)
	}

	// Lineage: a line per admitted node of every run, keys decodable.
	code, out, stderr := runCLI(t, "cache", "lineage", "--store", store, "--run", d1.RunID)
	if code != 0 {
		t.Fatalf("lineage: %d %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != len(d1.status()) {
		t.Errorf("lineage has %d lines for %d nodes", len(lines), len(d1.status()))
	}
	dv := map[string]string{}
	var deps []map[string]string
	for _, l := range lines {
		var row struct {
			Node        string            `json:"node"`
			CacheKey    string            `json:"cache_key"`
			DataVersion string            `json:"data_version"`
			Deps        map[string]string `json:"dependencies_data_versions"`
		}
		json.Unmarshal([]byte(l), &row)
		dv[row.Node] = row.DataVersion
		deps = append(deps, row.Deps)
		if c, _, _ := runCLI(t, "cache", "decode", row.CacheKey); c != 0 {
			t.Errorf("lineage key of %s does not decode", row.Node)
		}
	}
	// The trace links up: each input's data version is what its dependent keyed on.
	for _, ds := range deps {
		for n, v := range ds {
			if dv[n] != v {
				t.Errorf("dependency %s: %s in the key, %s recorded", n, v, dv[n])
			}
		}
	}
}

func TestRecordErrors(t *testing.T) {
	dir := scheduleWorkspace(t)
	store := filepath.Join(dir, "ledger.db")
	d := scheduleStore(t, filepath.Join(dir, "workflow.json"), "--store", store)
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(body), 0o644)
		return p
	}
	task := `{"name": "view:region_report", "status": "succeeded"}`
	cases := []struct{ name, body, want string }{
		{"unknown run", `{"run_id": "run-nope", "tasks": [` + task + `]}`, "unknown run"},
		{"unknown task", `{"run_id": "` + d.RunID + `", "tasks": [` + task + `, {"name": "view:nope", "status": "succeeded"}]}`, "view:nope"},
		{"duplicate", `{"run_id": "` + d.RunID + `", "tasks": [` + task + `, ` + task + `]}`, "view:region_report"},
		{"bad status", `{"run_id": "` + d.RunID + `", "tasks": [{"name": "view:region_report", "status": "done"}]}`, "status"},
		{"not json", `{"run_id": `, "malformed"},
		{"unknown field", `{"run_id": "` + d.RunID + `", "tasks": [], "extra": 1}`, "extra"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := write(strings.ReplaceAll(c.name, " ", "_")+".json", c.body)
			code, _, stderr := runCLI(t, "record", "--store", store, p)
			if code != exitBad || !strings.Contains(stderr, c.want) || !strings.Contains(stderr, filepath.Base(p)) && c.name != "unknown run" {
				t.Errorf("exit %d, stderr %q; want 1 naming %q and the file", code, stderr, c.want)
			}
		})
	}
	// Nothing was recorded: the run still has every admitted task unreported.
	code, out, _ := runCLI(t, "drift", "--store", store, "--run", d.RunID, "--json")
	var drift struct {
		AdmittedNotReported []string `json:"admitted_not_reported"`
	}
	json.Unmarshal([]byte(out), &drift)
	if code != 0 || len(drift.AdmittedNotReported) != len(d.status()) {
		t.Errorf("after failed records: drift exit %d, %d unreported of %d", code, len(drift.AdmittedNotReported), len(d.status()))
	}
	// A second record of a task already recorded (every admitted task
	// succeeded: a succeeded task needs its inputs reported).
	ok := write("ok.json", allSucceeded(d))
	if code, _, stderr := runCLI(t, "record", "--store", store, ok); code != 0 {
		t.Fatalf("record: %s", stderr)
	}
	if code, _, stderr := runCLI(t, "record", "--store", store, ok); code != exitBad || !strings.Contains(stderr, "already recorded") {
		t.Errorf("re-record: exit %d %q", code, stderr)
	}
}

func TestDriftCLI(t *testing.T) {
	dir := scheduleWorkspace(t)
	store := filepath.Join(dir, "ledger.db")
	d := scheduleStore(t, filepath.Join(dir, "workflow.json"), "--store", store, "--view", "region_report")
	// The report ran before its input ended; one scan unit failed.
	body := `{"run_id": "` + d.RunID + `", "tasks": [
	 {"name": "view:revenue_by_region", "status": "succeeded", "started_at": "2024-05-01T10:00:00Z", "ended_at": "2024-05-01T10:05:00Z"},
	 {"name": "view:region_report", "status": "succeeded", "started_at": "2024-05-01T10:01:00Z", "ended_at": "2024-05-01T10:02:00Z"},
	 {"name": "view:top_eu_orders", "status": "failed"}` + scanTasks(d) + `]}`
	p := filepath.Join(dir, "r.json")
	os.WriteFile(p, []byte(body), 0o644)
	if code, _, stderr := runCLI(t, "record", "--store", store, p); code != 0 {
		t.Fatal(stderr)
	}
	code, out, _ := runCLI(t, "drift", "--store", store, "--run", d.RunID, "--json")
	var drift struct {
		AdmittedNotReported []string `json:"admitted_not_reported"`
		ReportedNotAdmitted []string `json:"reported_not_admitted"`
		Failures            []struct{ Name string }
		OrderViolations     []struct{ Task, Predecessor string } `json:"order_violations"`
		Clean               bool
	}
	json.Unmarshal([]byte(out), &drift)
	if code != 0 || drift.Clean || !slices.Equal(drift.ReportedNotAdmitted, []string{"view:top_eu_orders"}) ||
		len(drift.Failures) != 1 || len(drift.OrderViolations) != 1 || drift.OrderViolations[0].Task != "view:region_report" ||
		len(drift.AdmittedNotReported) != 0 {
		t.Errorf("drift exit %d: %s", code, out)
	}
	// --exit-code: 1 for this drift, 0 for a clean run.
	if code, _, _ := runCLI(t, "drift", "--store", store, "--run", d.RunID, "--exit-code"); code != exitBad {
		t.Errorf("drift --exit-code on a drifted run: exit %d, want 1", code)
	}
	clean := scheduleStore(t, filepath.Join(dir, "workflow.json"), "--store", store, "--view", "revenue_by_region")
	if clean.Summary.Fresh == 0 {
		t.Fatalf("second plan: nothing fresh: %+v", clean.Summary)
	}
	var taskArgs []string
	for name, st := range clean.status() {
		if st != "fresh" {
			taskArgs = append(taskArgs, "--task", name+"=succeeded")
		}
	}
	slices.Sort(taskArgs)
	if len(taskArgs) > 0 {
		if code, _, stderr := runCLI(t, append([]string{"record", "--store", store, "--run", clean.RunID}, taskArgs...)...); code != 0 {
			t.Fatal(stderr)
		}
	}
	if code, out, _ := runCLI(t, "drift", "--store", store, "--run", clean.RunID, "--exit-code"); code != 0 {
		t.Errorf("drift --exit-code on a clean run: exit %d: %s", code, out)
	}
	if code, out, _ := runCLI(t, "drift", "--store", store, "--run", d.RunID); code != 0 || !strings.Contains(out, "order violations (1)") {
		t.Errorf("drift text: %d %s", code, out)
	}
}

func TestLedgerCLIErrors(t *testing.T) {
	dir := scheduleWorkspace(t)
	wf := filepath.Join(dir, "workflow.json")
	notStore := filepath.Join(dir, "notes.txt")
	os.WriteFile(notStore, []byte("my notes, not a database\n"), 0o644)
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"store and previous", []string{"schedule", wf, "--store", filepath.Join(dir, "a.db"), "--previous", wf}, exitUsage, "exclude"},
		{"log without store", []string{"schedule", wf, "--log", filepath.Join(dir, "l")}, exitUsage, "--log needs --store"},
		{"node in two lists", []string{"schedule", wf, "--recompute", "region_report", "--ignore", "view:region_report"}, exitUsage, "both"},
		{"same name twice", []string{"schedule", wf, "--recompute", "region_report", "--disable", "region_report"}, exitUsage, "both"},
		{"unknown override", []string{"schedule", wf, "--disable", "nope"}, exitBad, "nope"},
		{"not a store", []string{"schedule", wf, "--store", notStore}, exitBad, "not a deltaplan run ledger"},
		{"record without store", []string{"record", wf}, exitUsage, "--store"},
		{"bad key", []string{"cache", "decode", "dpk1.sha256.!!"}, exitBad, "malformed key"},
		{"decode args", []string{"cache", "decode"}, exitUsage, ""},
		{"drift without run", []string{"drift", "--store", filepath.Join(dir, "a.db")}, exitUsage, "--run"},
		{"lineage of a missing store", []string{"cache", "lineage", "--store", filepath.Join(dir, "b.db"), "--run", "x"}, exitBad, "schedule --store creates"},
		{"record into a typo", []string{"record", "--store", filepath.Join(dir, "typo.db"), "--run", "r", "--task", "view:x=succeeded"}, exitBad, "no such file"},
		{"task without run", []string{"record", "--store", filepath.Join(dir, "typo.db"), "--task", "view:x=succeeded"}, exitUsage, "--run"},
		{"bad task", []string{"record", "--store", filepath.Join(dir, "typo.db"), "--run", "r", "--task", "view:x"}, exitUsage, "NAME=STATUS"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, c.args...)
			if code != c.code || !strings.Contains(stderr, c.want) {
				t.Errorf("exit %d, stderr %q; want %d with %q", code, stderr, c.code, c.want)
			}
		})
	}
	if b, _ := os.ReadFile(notStore); string(b) != "my notes, not a database\n" {
		t.Error("the refused file was changed")
	}
	if _, err := os.Stat(filepath.Join(dir, "typo.db")); err == nil {
		t.Error("record created a ledger at a mistyped path")
	}
}

// TestScheduleStoreConcurrent: schedules and records on one store at once
// (separate connections, as separate processes have) lose nothing.
func TestScheduleStoreConcurrent(t *testing.T) {
	dir := scheduleWorkspace(t)
	wf := filepath.Join(dir, "workflow.json")
	store := filepath.Join(dir, "ledger.db")
	const n = 4
	docs := make([]ledgerDoc, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var out, errb bytes.Buffer
			if code := run(t.Context(), []string{"schedule", wf, "--store", store, "--json"}, &out, &errb); code != 0 {
				t.Errorf("schedule %d: %s", i, errb.String())
				return
			}
			json.Unmarshal(out.Bytes(), &docs[i])
		}()
	}
	wg.Wait()
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := filepath.Join(dir, docs[i].RunID+".json")
			os.WriteFile(p, []byte(allSucceeded(docs[i])), 0o644)
			var out, errb bytes.Buffer
			if code := run(t.Context(), []string{"record", "--store", store, p}, &out, &errb); code != 0 {
				t.Errorf("record %d: %s", i, errb.String())
			}
		}()
	}
	wg.Wait()
	code, out, stderr := runCLI(t, "cache", "lineage", "--store", store)
	if code != 0 {
		t.Fatal(stderr)
	}
	recorded := strings.Count(out, `"node":"view:region_report","cache_key"`)
	if succeeded := strings.Count(out, `"status":"succeeded"`); recorded != n || succeeded != n*len(docs[0].status()) {
		t.Errorf("%d region_report rows and %d succeeded records in the lineage, want %d and %d", recorded, succeeded, n, n*len(docs[0].status()))
	}
	for _, d := range docs {
		if !strings.Contains(out, d.RunID) {
			t.Errorf("run %s lost", d.RunID)
		}
	}
}

// TestRecordDataVersions: through the real store, a view recorded with a
// data version gives its dependent (which ran in the same run, so was
// pending) a key with that version, and the next plan finds both.
func TestRecordDataVersions(t *testing.T) {
	dir := scheduleWorkspace(t)
	wf := filepath.Join(dir, "workflow.json")
	store := filepath.Join(dir, "ledger.db")
	d := scheduleStore(t, wf, "--store", store, "--view", "region_report")
	var tasks []map[string]string
	for _, n := range d.Run {
		task := map[string]string{"name": n, "status": "succeeded"}
		if n == "view:revenue_by_region" {
			task["data_version"] = "engine-result-17"
		}
		tasks = append(tasks, task)
	}
	res, _ := json.Marshal(map[string]any{"run_id": d.RunID, "tasks": tasks})
	p := filepath.Join(dir, "r.json")
	os.WriteFile(p, res, 0o644)
	code, out, stderr := runCLI(t, "record", "--store", store, p, "--json")
	if code != 0 {
		t.Fatal(stderr)
	}
	var sum struct {
		Rekeyed []string `json:"rekeyed"`
	}
	json.Unmarshal([]byte(out), &sum)
	if !slices.Equal(sum.Rekeyed, []string{"view:region_report"}) {
		t.Errorf("rekeyed %v, want the report (its input ran in the same run)", sum.Rekeyed)
	}
	d2 := scheduleStore(t, wf, "--store", store, "--view", "region_report")
	if len(d2.Run) != 0 {
		t.Fatalf("second plan runs %v", d2.Run)
	}
	for _, n := range d2.Nodes {
		if n.Name == "view:region_report" {
			code, out, _ := runCLI(t, "cache", "decode", n.CacheKey, "--json")
			if code != 0 || !strings.Contains(out, `"view:revenue_by_region": "engine-result-17"`) {
				t.Errorf("report key: %s", out)
			}
		}
	}
}
