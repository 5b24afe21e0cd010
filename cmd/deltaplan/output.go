package main

import (
	"encoding/json"
	"io"
)

// writeJSON prints v as one indented JSON document. Callers pass structs or
// sorted slices only, so the output never depends on map order (encoding/json
// sorts map keys).
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
