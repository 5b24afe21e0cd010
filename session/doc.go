// Package session captures the runtime a plan runs under — settings, UDFs,
// rewrite tags and enabled planners — as a normalized, hashable snapshot
// (Runtime), read from a session file or built in Go.
//
// # What implementation_digest must cover
//
// A UDF's identity is (name, signature, implementation_digest). The
// digest is the only thing that tells a changed UDF body apart, so it must
// change whenever the UDF can compute something different. Hashing only the
// UDF's own function body is a known failure: an edit to a helper it calls
// goes unseen. Put in implementation_digest a digest of
//
//   - the UDF's code AND every helper it calls, transitively (its source
//     closure), and
//   - the versions of every library and runtime it depends on.
//
// The simplest sound choices are the digest of the built artifact that
// contains the UDF (jar, wheel, shared library, container image digest), or
// a hash over the sorted source files of its package closure plus the
// dependency lock file. Use the "sha256:<hex>" form when you can; any
// non-empty string is accepted and hashed verbatim.
package session
