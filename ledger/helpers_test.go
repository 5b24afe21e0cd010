package ledger

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// fakeRekey is a stand-in for cachekey: sha256 of the planned key and the
// sorted dependencies.
func fakeRekey(planned string, deps map[string]string) (string, error) {
	h := sha256.New()
	h.Write([]byte(planned))
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range deps {
			if !yield(k) {
				return
			}
		}
	}) {
		h.Write([]byte("\x00" + k + "=" + deps[k]))
	}
	return "rk:" + hex.EncodeToString(h.Sum(nil)), nil
}

func openTemp(t testing.TB) *Store {
	t.Helper()
	s, err := Open(context.Background(), tempStore(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// chainRun is a small run:
//
//	scan:a -> view:x -> view:y -> view:z
//	scan:a ----------------------> view:z
//	view:x -> view:w (not admitted)
//
// view:y has view:x pending, view:z has view:y pending (scan:a is not).
func chainRun(id string, created time.Time) *Run {
	return &Run{
		ID: id, CreatedAt: created, Workflow: "wf.json", Signature: "sig-" + id,
		Requested: []string{"z"},
		Nodes: []Node{
			{Name: "view:z", Kind: "view", CacheKey: "k:z", CodeVersion: "cz",
				Dependencies: map[string]string{"view:y": "k:y", "scan:a": "da"}, Pending: []string{"view:y"},
				Admitted: true, Status: "missing", Behavior: "default", Generation: 3, Detail: json.RawMessage(`{"code": ["z"]}`)},
			{Name: "scan:a", Kind: "scan_unit", CacheKey: "k:a", CodeVersion: "ca", DataVersion: "da",
				Dependencies: map[string]string{}, Admitted: true, Status: "fresh", Behavior: "default", Generation: 0,
				Detail: json.RawMessage("{ \"table\" : \"sales\",\n \"files\":[\"p\\u00e9\"] }")},
			{Name: "view:x", Kind: "view", CacheKey: "k:x", CodeVersion: "cx",
				Dependencies: map[string]string{"scan:a": "da"}, Admitted: true, Status: "stale", Behavior: "recompute", Generation: 1},
			{Name: "view:y", Kind: "view", CacheKey: "k:y", CodeVersion: "cy",
				Dependencies: map[string]string{"view:x": "k:x"}, Pending: []string{"view:x"},
				Admitted: true, Status: "missing", Behavior: "default", Generation: 2},
			{Name: "view:w", Kind: "view", CacheKey: "k:w", CodeVersion: "cw",
				Dependencies: map[string]string{"view:x": "k:x"}, Behavior: "ignore", Generation: -1},
		},
		Edges:       [][2]string{{"view:y", "view:z"}, {"scan:a", "view:x"}, {"view:x", "view:y"}, {"scan:a", "view:z"}, {"view:x", "view:w"}},
		Generations: [][]string{{"scan:a"}, {"view:x"}, {"view:y"}, {"view:z"}},
	}
}

func str(s string) *string { return &s }
func num(i int) *int       { return &i }
func at(sec float64) *time.Time {
	t := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(sec * float64(time.Second)))
	return &t
}

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// count returns the rows of table.
func count(t testing.TB, s *Store, table string) int {
	t.Helper()
	var n int
	if err := s.db.QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// genKey is a long cache key (about 300 bytes) of node i at version v.
func genKey(i, v int) string {
	return fmt.Sprintf("dpk1:%06d:%04d:", i, v) + strings.Repeat("0123456789abcdef", 18)
}

// genDataVersion is a digest-like data version of node i at version v.
func genDataVersion(i, v int) string {
	h := sha256.Sum256([]byte(genKey(i, v)))
	return hex.EncodeToString(h[:])
}

// genRun is a run of n nodes "n000000"…; node i > 0 depends on node i/2.
// Node i's key is at version (runIndex+i)/10, so a tenth of the keys
// change from one run to the next.
func genRun(id string, created time.Time, n, runIndex int) *Run {
	r := &Run{ID: id, CreatedAt: created, Workflow: "gen", Signature: "sig", Requested: []string{"all"},
		Nodes: make([]Node, n), Edges: make([][2]string, 0, n), Generations: [][]string{}}
	name := func(i int) string { return fmt.Sprintf("n%06d", i) }
	for i := range n {
		nd := Node{Name: name(i), Kind: "view", CacheKey: genKey(i, (runIndex+i)/10), CodeVersion: "c1",
			DataVersion:  genDataVersion(i, (runIndex+i)/10),
			Dependencies: map[string]string{}, Admitted: true, Status: "stale", Behavior: "default", Generation: 0,
			Detail: json.RawMessage(`{"i":` + fmt.Sprint(i) + `}`)}
		if i > 0 {
			p := i / 2
			nd.Dependencies[name(p)] = genDataVersion(p, (runIndex+p)/10)
			r.Edges = append(r.Edges, [2]string{name(p), name(i)})
		} else {
			nd.Kind = "scan_unit"
		}
		r.Nodes[i] = nd
	}
	return r
}

// genResults reports every node of r succeeded.
func genResults(r *Run) *Results {
	res := &Results{RunID: r.ID, Tasks: make([]TaskResult, len(r.Nodes))}
	for i, n := range r.Nodes {
		res.Tasks[i] = TaskResult{Name: n.Name, Status: StatusSucceeded}
	}
	return res
}

// Succeeded is Latest restricted to succeeded records (the lookups the
// tests were written against).
func (s *Store) Succeeded(ctx context.Context, keys []string) (map[string]Entry, error) {
	m, err := s.Latest(ctx, keys)
	if err != nil {
		return nil, err
	}
	for k, e := range m {
		if e.Status != StatusSucceeded {
			delete(m, k)
		}
	}
	return m, nil
}

// LastSucceeded is History's newest succeeded record per node.
func (s *Store) LastSucceeded(ctx context.Context, nodes []string) (map[string]Previous, error) {
	h, err := s.History(ctx, nodes)
	if err != nil {
		return nil, err
	}
	out := map[string]Previous{}
	for n, x := range h {
		if x.Succeeded != nil {
			out[n] = *x.Succeeded
		}
	}
	return out, nil
}
