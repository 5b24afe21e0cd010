package workflow

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/deltaplan/deltaplan/delta"
	"github.com/deltaplan/deltaplan/planbundle"
	"github.com/deltaplan/deltaplan/session"
)

// buildCache holds what many views of one Build share: each plan file
// prepared once, each session file loaded once, and each (table, version)
// pinned once. Everything it hands out is only read afterwards, so the
// views' bundles build concurrently.
type buildCache struct {
	open     func(context.Context, string) (*delta.Table, error)
	mu       sync.Mutex
	plans    map[string]*memo[*planbundle.Prepared]
	sessions map[string]*memo[*session.Runtime]
	snaps    map[snapKey]*memo[*delta.Snapshot]
}

type snapKey struct {
	location string
	version  int64 // -1: the latest
}

// memo computes a value once; every caller gets the same value and error.
type memo[T any] struct {
	once sync.Once
	v    T
	err  error
}

func (m *memo[T]) get(f func() (T, error)) (T, error) {
	m.once.Do(func() { m.v, m.err = f() })
	return m.v, m.err
}

func newBuildCache(open func(context.Context, string) (*delta.Table, error)) *buildCache {
	return &buildCache{open: open, plans: map[string]*memo[*planbundle.Prepared]{},
		sessions: map[string]*memo[*session.Runtime]{}, snaps: map[snapKey]*memo[*delta.Snapshot]{}}
}

func entry[K comparable, T any](c *buildCache, m map[K]*memo[T], k K) *memo[T] {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := m[k]
	if !ok {
		e = &memo[T]{}
		m[k] = e
	}
	return e
}

// prepare reads and prepares a view's plan file.
func (c *buildCache) prepare(w *Workflow, v View) (*planbundle.Prepared, error) {
	p, err := entry(c, c.plans, v.Plan).get(func() (*planbundle.Prepared, error) {
		data, err := os.ReadFile(v.Plan)
		if err != nil {
			return nil, fmt.Errorf("read plan: %w", err)
		}
		return planbundle.Prepare(data)
	})
	if err != nil {
		return nil, fmt.Errorf("workflow %s: view %s: plan %s: %w", w.Path, v.Name, v.Plan, err)
	}
	return p, nil
}

func (c *buildCache) session(ctx context.Context, path string) (*session.Runtime, error) {
	return entry(c, c.sessions, path).get(func() (*session.Runtime, error) { return session.Load(ctx, path) })
}

// snapshot pins t at its version (the latest when nil), once per location
// and version; it is planbundle.Inputs.Snapshot.
func (c *buildCache) snapshot(ctx context.Context, t planbundle.Table) (*delta.Snapshot, error) {
	k := snapKey{location: t.Location, version: -1}
	if t.Version != nil {
		k.version = *t.Version
	}
	s, err := entry(c, c.snaps, k).get(func() (*delta.Snapshot, error) { return planbundle.Pin(ctx, c.open, t) })
	if err == nil && t.Version == nil {
		// The latest is also that version: later pins at it share it.
		v := s.Version
		e := entry(c, c.snaps, snapKey{location: t.Location, version: v})
		e.get(func() (*delta.Snapshot, error) { return s, nil })
	}
	return s, err
}

// parallel runs f(0..n-1) on every core and returns the error of the
// smallest i that failed, so the error does not depend on scheduling.
func parallel(n int, f func(i int) error) error {
	errs := make([]error, n)
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i := range n {
		g.Go(func() error {
			errs[i] = f(i)
			return nil
		})
	}
	g.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
