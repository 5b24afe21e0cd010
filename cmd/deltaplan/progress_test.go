package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/deltaplan/deltaplan/delta"
	"github.com/deltaplan/deltaplan/internal/fixtures"
)

// withProgressOutput points progress at w (a stand-in terminal) for one test.
func withProgressOutput(t *testing.T, w io.Writer) {
	t.Helper()
	old := progressOutput
	progressOutput = func() io.Writer { return w }
	t.Cleanup(func() { progressOutput = old })
}

// TestProgressNotATerminal: with stderr not a terminal (a pipe here, a
// buffer in runCLI) commands print no progress at all.
func TestProgressNotATerminal(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if isTerminal(w) {
		t.Fatal("a pipe counts as a terminal")
	}
	if progressOptions() != nil && !isTerminal(os.Stderr) {
		t.Fatal("progress enabled while stderr is not a terminal")
	}
	table := filepath.Join(fixtures.Dir(t, "delta"), "basic-with-inserts-deletes-checkpoint")
	for _, args := range [][]string{
		{"snapshot", table},
		{"snapshot", table, "--json"},
		{"files", table},
	} {
		code, _, stderr := runCLI(t, args...)
		if code != 0 || stderr != "" {
			t.Errorf("%v: exit %d, stderr %q; want 0 and nothing", args, code, stderr)
		}
	}
}

// TestProgressOnTerminal: on a terminal the load draws on stderr, erases
// its line when done, and stdout stays exactly what it is without it.
func TestProgressOnTerminal(t *testing.T) {
	table := filepath.Join(fixtures.Dir(t, "delta"), "basic-with-inserts-deletes-checkpoint")
	_, plain, _ := runCLI(t, "snapshot", table, "--json")
	var term bytes.Buffer
	withProgressOutput(t, &term)
	code, out, stderr := runCLI(t, "snapshot", table, "--json")
	if code != 0 || out != plain || stderr != "" {
		t.Fatalf("exit %d, stdout changed: %v, stderr %q", code, out != plain, stderr)
	}
	drawn := term.String()
	if !strings.Contains(drawn, "listed") || !strings.Contains(drawn, "commits") {
		t.Errorf("progress line %q lacks the listing and commit counts", drawn)
	}
	if i := strings.LastIndex(drawn, "\r"); i < 0 || strings.TrimSpace(drawn[i:]) != "" {
		t.Errorf("progress line not erased at the end: %q", drawn[max(0, len(drawn)-80):])
	}
}

// TestProgressRenderer: each load gets its own line; events after done
// start a new one.
func TestProgressRenderer(t *testing.T) {
	var buf bytes.Buffer
	r := &progressRenderer{w: &buf}
	for range 2 {
		r.event(delta.ProgressEvent{Phase: delta.ProgressList, Listed: 14})
		r.event(delta.ProgressEvent{Phase: delta.ProgressCheckpoint, Listed: 14, Commits: 3, CheckpointBytes: 1000, CheckpointBytesRead: 2000})
		if r.bar == nil {
			t.Fatal("no bar during a load")
		}
		r.event(delta.ProgressEvent{Phase: delta.ProgressDone})
		if r.bar != nil {
			t.Fatal("bar left after done")
		}
	}
	if !strings.Contains(buf.String(), "listed 14") {
		t.Errorf("output %q", buf.String())
	}
	// Nothing draws once a load is done (no background redraws).
	n := buf.Len()
	time.Sleep(300 * time.Millisecond)
	if buf.Len() != n {
		t.Errorf("the bar drew %q after it was erased", buf.String()[n:])
	}
}
