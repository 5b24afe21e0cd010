package kernel

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

// parseJSONReference decodes the graph format with encoding/json only; the
// fuzz test checks ParseJSON against it.
func parseJSONReference(data []byte) ([]string, []Edge, error) {
	var doc map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		return nil, nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, nil, fmt.Errorf("data after the graph object")
	}
	var nodes *[]string
	if err := json.Unmarshal(orNull(doc["nodes"]), &nodes); err != nil || nodes == nil {
		return nil, nil, fmt.Errorf("nodes: %v", err)
	}
	for _, n := range *nodes {
		if n == "" {
			return nil, nil, fmt.Errorf("null or empty node")
		}
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(orNull(doc["edges"]), &raw); err != nil {
		return nil, nil, err
	}
	edges := make([]Edge, len(raw))
	for i, r := range raw {
		var parts []json.RawMessage
		if err := json.Unmarshal(r, &parts); err != nil || (len(parts) != 2 && len(parts) != 3) {
			return nil, nil, fmt.Errorf("edge %d", i)
		}
		e := Edge{Weight: DefaultWeight}
		for j, dst := range []*string{&e.From, &e.To} {
			if parts[j][0] != '"' {
				return nil, nil, fmt.Errorf("edge %d: not a string", i)
			}
			if err := json.Unmarshal(parts[j], dst); err != nil {
				return nil, nil, err
			}
		}
		if len(parts) == 3 {
			w, err := parseWeight(parts[2])
			if err != nil {
				return nil, nil, err
			}
			e.Weight = w
		}
		edges[i] = e
	}
	return *nodes, edges, nil
}

func orNull(r json.RawMessage) []byte {
	if r == nil {
		return []byte("null")
	}
	return r
}
