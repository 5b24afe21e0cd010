package kernel

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"slices"
)

// signatureDomain starts every encoding, so a graph signature can never
// collide with another kind of deltaplan hash.
const signatureDomain = "deltaplan/kernel/graph/v1"

// Signatures identifies a graph by content.
type Signatures struct {
	// Full covers every edge; Reduced covers the transitive reduction, so it
	// stays the same when only redundant (implied) edges change.
	Full    string `json:"full"`
	Reduced string `json:"reduced"`
}

// Signature returns "sha256:<hex>" over a length-prefixed encoding of the
// sorted node names, each node's signature (nodeSigs; absent means ""), and
// the edges sorted by (from, to). Weights do not count, nor does the order
// in which nodes or edges were given. A name in nodeSigs that is not a node
// is an error.
func (g *Graph) Signature(nodeSigs map[string]string) (string, error) {
	for name := range nodeSigs {
		if _, ok := g.index[name]; !ok {
			return "", fmt.Errorf("node signature for %q: %w", name, ErrUnknownNode)
		}
	}
	h := sha256.New()
	writeString(h, signatureDomain)
	writeUint(h, uint64(len(g.names)))
	for _, name := range g.names {
		writeString(h, name)
		writeString(h, nodeSigs[name])
	}
	// Ids are ranks in the sorted name list committed above, so they stand
	// for the names.
	writeUint(h, uint64(len(g.outTo)))
	for u := range g.names {
		for _, v := range g.outTo[g.outStart[u]:g.outStart[u+1]] {
			writeUint(h, uint64(u))
			writeUint(h, uint64(v))
		}
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}

// Signatures returns the full and reduced signatures; the graph must be a
// DAG. The reduced signature equals the full signature of the reduction.
func (g *Graph) Signatures(nodeSigs map[string]string) (Signatures, error) {
	full, err := g.Signature(nodeSigs)
	if err != nil {
		return Signatures{}, err
	}
	r, err := g.TransitiveReduction()
	if err != nil {
		return Signatures{}, err
	}
	reduced, err := r.Graph.Signature(nodeSigs)
	if err != nil {
		return Signatures{}, err
	}
	return Signatures{Full: full, Reduced: reduced}, nil
}

func writeUint(h hash.Hash, x uint64) {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], x)
	h.Write(b[:])
}

func writeString(h hash.Hash, s string) {
	writeUint(h, uint64(len(s)))
	h.Write([]byte(s))
}

// sortedKeys returns a map's keys in order (never range a map into output).
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
