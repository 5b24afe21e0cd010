// Package model holds the nouns that several deltaplan stages share: typed
// values, column references, the predicate model used for pruning, and the
// columnar per-file statistics that the Delta reader produces and the pruner
// consumes.
//
// The package has no I/O and no dependencies on other deltaplan packages, so
// delta/, lineage/, scanunit/ and identity/ can all import it without
// creating cycles. Verbs (parsing, evaluating, hashing) live in the packages
// that use these nouns.
package model
