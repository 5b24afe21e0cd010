package kernel

import "testing"

// reduceWithChunkWords reruns the reduction with chunks of the given number
// of 64-bit words and returns Kept.
func reduceWithChunkWords(t testing.TB, g *Graph, words int) []bool {
	t.Helper()
	old := chunkWordsOverride
	chunkWordsOverride = words
	defer func() { chunkWordsOverride = old }()
	r, err := g.TransitiveReduction()
	if err != nil {
		t.Fatal(err)
	}
	return r.Kept
}
