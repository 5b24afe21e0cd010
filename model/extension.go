package model

import (
	"path"
	"strings"
)

// CanonicalExtension maps a declared extension URI or URN to its canonical
// identity, the one both lineage and plan fingerprints use: a URI whose file
// is a standard Substrait extension file ("…/functions_arithmetic.yaml",
// type_variations.yaml, extension_types.yaml, unknown.yaml) becomes the URN
// "extension:io.substrait:<file stem>", so a plan declaring extensions by URI
// (before spec v0.75) and one declaring URNs name the same extension.
// Anything else is returned unchanged.
func CanonicalExtension(declared string) string {
	if strings.HasPrefix(declared, "extension:") {
		return declared
	}
	u := declared
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		u = u[:i]
	}
	base := path.Base(u)
	if !strings.HasSuffix(base, ".yaml") || base == u && !strings.HasPrefix(base, "functions_") {
		return declared
	}
	stem := strings.TrimSuffix(base, ".yaml")
	switch {
	case strings.HasPrefix(stem, "functions_"), stem == "extension_types", stem == "type_variations", stem == "unknown":
		return "extension:io.substrait:" + stem
	}
	return declared
}
