package ledger

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// workerEnv makes the test binary a writer process (see TestMain):
// "path|worker|runs|start unix ns".
const workerEnv = "LEDGER_TEST_WORKER"

func TestMain(m *testing.M) {
	if spec := os.Getenv(workerEnv); spec != "" {
		if err := worker(spec); err != nil {
			fmt.Fprintln(os.Stderr, "worker:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	code := m.Run()
	cleanupBench()
	os.Exit(code)
}

const workerNodes = 20

// worker opens the store (at the same moment as the others), and for each
// of its runs saves the plan, then records it in two Record calls,
// looking keys up in between.
func worker(spec string) error {
	parts := strings.Split(spec, "|")
	if len(parts) != 4 {
		return fmt.Errorf("bad spec %q", spec)
	}
	path := parts[0]
	w, _ := strconv.Atoi(parts[1])
	runs, _ := strconv.Atoi(parts[2])
	start, _ := strconv.ParseInt(parts[3], 10, 64)
	time.Sleep(time.Until(time.Unix(0, start)))
	ctx := context.Background()
	s, err := Open(ctx, path)
	if err != nil {
		return err
	}
	defer s.Close()
	for j := range runs {
		r := genRun(fmt.Sprintf("w%d-r%03d", w, j), time.Now(), workerNodes, w*1000+j)
		if err := s.SavePlan(ctx, r); err != nil {
			return err
		}
		res := genResults(r)
		half := len(res.Tasks) / 2
		if _, err := s.Record(ctx, &Results{RunID: r.ID, Tasks: res.Tasks[:half]}, fakeRekey); err != nil {
			return err
		}
		if _, err := s.Succeeded(ctx, []string{r.Nodes[0].CacheKey}); err != nil {
			return err
		}
		if _, err := s.Record(ctx, &Results{RunID: r.ID, Tasks: res.Tasks[half:]}, fakeRekey); err != nil {
			return err
		}
	}
	return nil
}

func TestConcurrentProcesses(t *testing.T) {
	eachBackend(t, func(t *testing.T) {
		if testing.Short() {
			t.Skip("spawns processes")
		}
		const workers, runs = 4, 25
		path := tempStore(t) // created by the workers, at once
		start := time.Now().Add(300 * time.Millisecond).UnixNano()
		var wg sync.WaitGroup
		errs := make([]error, workers)
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				cmd := exec.Command(os.Args[0], "-test.run=^$")
				cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s|%d|%d|%d", workerEnv, path, w, runs, start))
				out, err := cmd.CombinedOutput()
				if err != nil {
					errs[w] = fmt.Errorf("worker %d: %v\n%s", w, err, out)
				}
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Error(err)
			}
		}
		ctx := context.Background()
		s, err := Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		infos, err := s.Runs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]RunInfo{}
		for _, ri := range infos {
			got[ri.ID] = ri
		}
		for w := range workers {
			for j := range runs {
				id := fmt.Sprintf("w%d-r%03d", w, j)
				ri, ok := got[id]
				if !ok {
					t.Errorf("run %s lost", id)
					continue
				}
				if ri.Nodes != workerNodes || ri.Recorded != workerNodes {
					t.Errorf("run %s: %d nodes, %d recorded; want %d of each", id, ri.Nodes, ri.Recorded, workerNodes)
				}
			}
		}
		if len(infos) != workers*runs {
			t.Errorf("%d runs stored, want %d", len(infos), workers*runs)
		}
		if n := count(t, s, "records"); n != workers*runs*workerNodes {
			t.Errorf("%d records, want %d", n, workers*runs*workerNodes)
		}
		if err := s.Check(ctx); err != nil {
			t.Error(err)
		}
	})
}
