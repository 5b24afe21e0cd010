package delta

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deltaplan/deltaplan/internal/fixtures"
)

// copyLog copies a fixture's _delta_log into a temporary table, leaving out
// the commit files for which drop returns true.
func copyLog(t *testing.T, src string, drop func(name string) bool) string {
	t.Helper()
	dst := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dst, "_delta_log"), 0o755); err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir(filepath.Join(src, "_delta_log"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if e.IsDir() || drop(e.Name()) {
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, "_delta_log", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, "_delta_log", e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// writeLog writes commit files (version -> lines) into a new table.
func writeLog(t *testing.T, commits map[int64][]string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "_delta_log"), 0o755); err != nil {
		t.Fatal(err)
	}
	for v, lines := range commits {
		name := filepath.Join(dir, "_delta_log", fmt.Sprintf("%020d.json", v))
		if err := os.WriteFile(name, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func historyOf(t *testing.T, loc string, limit int) []Commit {
	t.Helper()
	tbl, err := openDir(context.Background(), loc)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := tbl.History(context.Background(), limit)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// summary renders entries compactly for comparison.
func summary(cs []Commit) string {
	var parts []string
	for _, c := range cs {
		if c.CleanedUp {
			parts = append(parts, "cleaned:"+c.VersionRange())
			continue
		}
		if c.Missing {
			parts = append(parts, "missing:"+c.VersionRange())
			continue
		}
		parts = append(parts, fmt.Sprintf("%d:%s:+%d-%d:%s", c.Version, c.Operation, c.FilesAdded, c.FilesRemoved, c.TimestampSource))
	}
	return strings.Join(parts, " ")
}

func TestHistory(t *testing.T) {
	fx := fixtures.Dir(t, "delta")
	ckpt := filepath.Join(fx, "basic-with-inserts-deletes-checkpoint")
	const ictOn = `{"metaData":{"id":"x","format":{"provider":"parquet"},"schemaString":"{\"type\":\"struct\",\"fields\":[]}","partitionColumns":[],"configuration":{"delta.enableInCommitTimestamps":"true"}}}`
	const ictOff = `{"metaData":{"id":"x","format":{"provider":"parquet"},"schemaString":"{\"type\":\"struct\",\"fields\":[]}","partitionColumns":[],"configuration":{"delta.enableInCommitTimestamps":"false"}}}`
	const proto = `{"protocol":{"minReaderVersion":1,"minWriterVersion":7,"writerFeatures":["inCommitTimestamp"]}}`
	cases := []struct {
		name, loc string
		limit     int
		want      string
	}{
		{"should list every commit newest first with in-commit timestamps", "../testdata/example/sales", 0,
			"4:WRITE:+1-0:in_commit_timestamp 3:WRITE:+2-0:in_commit_timestamp 2:WRITE:+1-1:in_commit_timestamp 1:WRITE:+2-0:in_commit_timestamp 0:WRITE:+3-0:in_commit_timestamp"},
		{"should stop at the limit", "../testdata/example/sales", 2,
			"4:WRITE:+1-0:in_commit_timestamp 3:WRITE:+2-0:in_commit_timestamp"},
		{"should date by file time without in-commit timestamps and count removes", ckpt, 2,
			"13:DELETE:+1-2:file_modification_time 12:WRITE:+1-0:file_modification_time"},
		{"should report cleaned-up commits as one entry, not skip them",
			copyLog(t, ckpt, func(n string) bool { return n < "00000000000000000005" && strings.HasSuffix(n, ".json") }), 0,
			"13:DELETE:+1-2:file_modification_time 12:WRITE:+1-0:file_modification_time 11:WRITE:+1-0:file_modification_time 10:WRITE:+1-0:file_modification_time " +
				"9:DELETE:+1-1:file_modification_time 8:DELETE:+1-1:file_modification_time 7:DELETE:+1-1:file_modification_time 6:DELETE:+1-1:file_modification_time 5:DELETE:+1-1:file_modification_time cleaned:0-4"},
		{"should count a cleaned-up run as one entry against the limit",
			copyLog(t, ckpt, func(n string) bool { return n < "00000000000000000012" && strings.HasSuffix(n, ".json") }), 3,
			"13:DELETE:+1-2:file_modification_time 12:WRITE:+1-0:file_modification_time cleaned:0-11"},
		{"should report a commit missing between present ones as missing, not cleaned up",
			copyLog(t, ckpt, func(n string) bool { return n == "00000000000000000011.json" }), 4,
			"13:DELETE:+1-2:file_modification_time 12:WRITE:+1-0:file_modification_time missing:11 10:WRITE:+1-0:file_modification_time"},
		{"should fall back to file times when the newest metadata disables in-commit timestamps",
			writeLog(t, map[int64][]string{
				0: {`{"commitInfo":{"inCommitTimestamp":1000,"operation":"CREATE TABLE"}}`, proto, ictOn},
				1: {`{"commitInfo":{"inCommitTimestamp":2000,"operation":"SET TBLPROPERTIES"}}`, ictOff},
			}), 0,
			"1:SET TBLPROPERTIES:+0-0:file_modification_time 0:CREATE TABLE:+0-0:file_modification_time"},
		{"should keep commits without commitInfo",
			writeLog(t, map[int64][]string{0: {proto, `{"add":{"path":"a","size":1,"partitionValues":{},"modificationTime":1,"dataChange":true}}`}}), 0,
			"0::+1-0:file_modification_time"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := summary(historyOf(t, c.loc, c.limit)); got != c.want {
				t.Errorf("got  %s\nwant %s", got, c.want)
			}
		})
	}
}

func TestHistoryDetails(t *testing.T) {
	cs := historyOf(t, filepath.Join(fixtures.Dir(t, "delta"), "basic-with-inserts-deletes-checkpoint"), 1)
	c := cs[0]
	if c.EngineInfo != "Apache-Spark/3.4.0 Delta-Lake/3.0.0-SNAPSHOT" {
		t.Errorf("engine info %q", c.EngineInfo)
	}
	if got := ParameterText(c.OperationParameters["predicate"]); got != `["(id#6991L >= 66)"]` {
		t.Errorf("predicate parameter %q", got)
	}
	sales := historyOf(t, "../testdata/example/sales", 1)
	if sales[0].TimestampMs != 1714536000000 {
		t.Errorf("in-commit timestamp %d, want 1714536000000", sales[0].TimestampMs)
	}
}

func TestHistoryErrors(t *testing.T) {
	bad := writeLog(t, map[int64][]string{0: {`{"commitInfo": nope}`}})
	tbl, err := openDir(context.Background(), bad)
	if err != nil {
		t.Fatal(err)
	}
	_, err = tbl.History(context.Background(), 0)
	if !errors.Is(err, ErrCorruptLog) || !strings.Contains(err.Error(), "00000000000000000000.json line 1") {
		t.Errorf("corrupt commit: %v", err)
	}
	empty := t.TempDir()
	if err := os.MkdirAll(filepath.Join(empty, "_delta_log"), 0o755); err != nil {
		t.Fatal(err)
	}
	if tbl, err = openDir(context.Background(), empty); err != nil {
		t.Fatal(err)
	}
	if _, err = tbl.History(context.Background(), 0); !errors.Is(err, ErrTableNotFound) {
		t.Errorf("empty log: %v", err)
	}
}

func ExampleTable_History() {
	ctx := context.Background()
	tbl, err := openDir(ctx, "../testdata/example/sales")
	if err != nil {
		panic(err)
	}
	cs, err := tbl.History(ctx, 2)
	if err != nil {
		panic(err)
	}
	for _, c := range cs {
		fmt.Println(c.Version, c.Operation, c.TimestampSource, c.FilesAdded, c.FilesRemoved)
	}
	// Output:
	// 4 WRITE in_commit_timestamp 1 0
	// 3 WRITE in_commit_timestamp 2 0
}

// FuzzHistoryCommit feeds arbitrary commit files to the history reader: it
// must not panic, counts stay within the number of lines, and a line that
// is not JSON is ErrCorruptLog.
func FuzzHistoryCommit(f *testing.F) {
	f.Add([]byte(`{"commitInfo":{"inCommitTimestamp":1,"operation":"WRITE","operationParameters":{"mode":"Append"}}}` + "\n" + `{"add":{"path":"a"}}`))
	f.Add([]byte(`{"metaData":{"configuration":{"delta.enableInCommitTimestamps":"true"}}}`))
	f.Add([]byte("{\"remove\":{}}\n\nnot json"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var c Commit
		_, _, err := c.fill("f.json", data)
		if err != nil {
			if !errors.Is(err, ErrCorruptLog) {
				t.Fatalf("error %v is not ErrCorruptLog", err)
			}
			return
		}
		lines := strings.Count(string(data), "\n") + 1
		if c.FilesAdded < 0 || c.FilesRemoved < 0 || c.FilesAdded+c.FilesRemoved > lines {
			t.Fatalf("counts %d/%d for %d lines", c.FilesAdded, c.FilesRemoved, lines)
		}
	})
}
