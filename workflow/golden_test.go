package workflow_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/deltaplan/deltaplan/workflow"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// TestExampleGolden pins the schedule of testdata/example/workflow.json: the
// node names, signatures, edges and analyses of the demo. Rewrite it with
// go test ./workflow -run TestExampleGolden -update after an intended
// change.
func TestExampleGolden(t *testing.T) {
	w, err := workflow.Load(filepath.Join(example, "workflow.json"))
	if err != nil {
		t.Fatal(err)
	}
	g, err := workflow.Build(context.Background(), w, workflow.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := g.Schedule(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(s); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "example_schedule.json")
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("schedule differs from %s (run with -update if intended):\n%s", golden, buf.Bytes())
	}
}
