package deltawrite_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/deltaplan/deltaplan/deltawrite"
)

const childEnv = "DELTAWRITE_TEST_CHILD" // "dir|point": append to dir, block at point

// TestKilledWriterChild is the child process of TestKilledWriter: it
// appends to the table and blocks at the named point until it is killed.
func TestKilledWriterChild(t *testing.T) {
	spec := os.Getenv(childEnv)
	if spec == "" {
		t.Skip("child process of TestKilledWriter only")
	}
	dir, point, _ := strings.Cut(spec, "|")
	ctx := context.Background()
	tbl, err := deltawrite.Open(ctx, deltawrite.Local(dir))
	if err != nil {
		t.Fatal(err)
	}
	defer deltawrite.SetTestHook(func(p string) {
		if p == point {
			fmt.Println("READY")
			os.Stdout.Sync()
			time.Sleep(time.Hour)
		}
	})()
	rec := smallRecord(memory.NewGoAllocator(), 99, 0)
	_, err = tbl.Append(ctx, rec)
	t.Fatalf("append returned (%v) instead of blocking at %s", err, point)
}

// TestKilledWriter kills a writer process after it wrote its data file and
// before (or while) it commits: the table stays readable at its old
// version, the orphan is referenced by nothing, and the next append works.
func TestKilledWriter(t *testing.T) {
	tests := []struct {
		point string
		why   string
	}{
		{"data-written", "killed between the data file and the commit: an orphan data file"},
		{"commit", "killed just before the put-if-absent of the commit"},
		{"local-temp-written", "killed with the commit's temporary file written but not linked"},
	}
	for _, tc := range tests {
		t.Run(tc.point, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			tbl, err := deltawrite.Create(ctx, deltawrite.Local(dir), smallSchema)
			if err != nil {
				t.Fatal(err)
			}
			rec := smallRecord(memory.NewGoAllocator(), 1, 1)
			if _, err := tbl.Append(ctx, rec); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(os.Args[0], "-test.run=^TestKilledWriterChild$", "-test.v")
			cmd.Env = append(os.Environ(), childEnv+"="+dir+"|"+tc.point)
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			cmd.Stderr = os.Stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			ready := make(chan bool, 1)
			go func() {
				sc := bufio.NewScanner(out)
				for sc.Scan() {
					if sc.Text() == "READY" {
						ready <- true
						return
					}
				}
				ready <- false
			}()
			select {
			case ok := <-ready:
				if !ok {
					_ = cmd.Wait()
					t.Fatal("child ended without reaching the kill point")
				}
			case <-time.After(60 * time.Second):
				_ = cmd.Process.Kill()
				t.Fatal("child did not reach the kill point in 60 s")
			}
			if err := cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			_ = cmd.Wait()

			snap := snapshot(t, dir)
			if snap.Version != 1 || snap.Files.Len() != 1 || *snap.NumRecords != 3 {
				t.Fatalf("%s: after the kill: version %d, %d files, want version 1 with 1 file", tc.why, snap.Version, snap.Files.Len())
			}
			parts, _ := filepath.Glob(filepath.Join(dir, "part-*.parquet"))
			if len(parts) != 2 {
				t.Errorf("%s: %d data files on disk, want 2 (one orphan)", tc.why, len(parts))
			}
			temps, _ := filepath.Glob(filepath.Join(dir, "_delta_log", ".*.tmp"))
			if want := tc.point == "local-temp-written"; (len(temps) == 1) != want {
				t.Errorf("%s: temporary commit files %v", tc.why, temps)
			}
			// A fresh writer appends at version 2 as if nothing happened.
			again, err := deltawrite.Open(ctx, deltawrite.Local(dir))
			if err != nil {
				t.Fatal(err)
			}
			if v, err := again.Append(ctx, rec); err != nil || v != 2 {
				t.Fatalf("append after the crash: version %d, %v", v, err)
			}
			if s := snapshot(t, dir); s.Version != 2 || s.Files.Len() != 2 || *s.NumRecords != 6 {
				t.Fatalf("after the next append: version %d, %d files", s.Version, s.Files.Len())
			}
		})
	}
}
