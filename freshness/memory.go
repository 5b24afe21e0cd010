package freshness

import (
	"context"
	"encoding/json"
)

// Memory is an in-memory Source: what a previous schedule file holds, or
// a test's ledger. Records added later are newer.
type Memory struct {
	latest map[string]Entry
	hist   map[string]History
}

var _ Source = (*Memory)(nil)

// NewMemory returns an empty Memory.
func NewMemory() *Memory {
	return &Memory{latest: map[string]Entry{}, hist: map[string]History{}}
}

// Add records e (succeeded or failed) with the detail its node was planned
// with; it is newer than everything added before.
func (m *Memory) Add(e Entry, detail json.RawMessage) {
	if e.Attempt == 0 {
		e.Attempt = 1
	}
	m.latest[e.CacheKey] = e
	h := m.hist[e.Node]
	switch e.Status {
	case RecordSucceeded:
		h.Succeeded = &Previous{Entry: e, Detail: detail}
	case RecordFailed:
		f := e
		h.Failed = &f
	}
	m.hist[e.Node] = h
}

// Latest implements Source.
func (m *Memory) Latest(_ context.Context, keys []string) (map[string]Entry, error) {
	out := map[string]Entry{}
	for _, k := range keys {
		if e, ok := m.latest[k]; ok {
			out[k] = e
		}
	}
	return out, nil
}

// History implements Source.
func (m *Memory) History(_ context.Context, nodes []string) (map[string]History, error) {
	out := map[string]History{}
	for _, n := range nodes {
		if h, ok := m.hist[n]; ok {
			out[n] = h
		}
	}
	return out, nil
}
