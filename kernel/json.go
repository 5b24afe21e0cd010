package kernel

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
)

// DefaultWeight is the weight of an edge given without one.
const DefaultWeight = 1

// ParseJSON reads a graph in the CLI's format:
//
//	{"nodes": ["a", "b"], "edges": [["a", "b", 3], ["b", "c"]]}
//
// An edge is [from, to] or [from, to, weight]; the weight is a non-negative
// integer (DefaultWeight when absent). Every node must be listed in "nodes",
// including isolated ones. Other top-level keys are ignored. Errors wrap
// ErrFormat (or the graph errors of New) and say which element is wrong.
func ParseJSON(data []byte) (*Graph, error) {
	nodes, edges, err := scanGraph(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	return New(nodes, edges)
}

// parseWeight accepts integers, also written as integral floats (3.0, 1e3).
func parseWeight(r json.RawMessage) (int64, error) {
	var num json.Number
	// json.Number would also take a quoted number; only a bare one is a weight.
	if t := bytes.TrimSpace(r); len(t) > 0 && t[0] == '"' {
		return 0, fmt.Errorf("weight is not a number: %s", r)
	}
	if err := json.Unmarshal(r, &num); err != nil {
		return 0, fmt.Errorf("weight is not a number: %s", r)
	}
	if w, err := strconv.ParseInt(num.String(), 10, 64); err == nil {
		return w, nil
	}
	f, err := strconv.ParseFloat(num.String(), 64)
	if err != nil || f != math.Trunc(f) || f < math.MinInt64 || f >= math.MaxInt64 {
		return 0, fmt.Errorf("weight %s is not an int64 integer", num)
	}
	return int64(f), nil
}
