// Package identity turns the things a plan's result depends on into stable
// digests that CI can compare across machines and runs.
//
// It has three layers:
//
//   - Encoder: one canonical, versioned byte encoding for everything that is
//     hashed. Every value is typed and length- or count-prefixed, so 1 and
//     "1", [] and {}, ["ab"] and ["a","b"] never share an encoding; every
//     digest starts with the encoding name, its version and a domain string,
//     so digests of different components can never collide by construction.
//     Digests are SHA-256 and print as "sha256:<hex>". Changing any byte the
//     encoder writes requires bumping EncodingVersion; the golden digests in
//     testdata/golden.json fail the tests on accidental changes.
//   - FingerprintPlan: a canonical fingerprint of a Substrait plan, computed by
//     walking the protobuf messages through protoreflect, so every semantic
//     field is covered without a hand-written list (see fingerprint.go for
//     what is deliberately left out and why).
//   - Components, Signature and Diff: the enriched signature over named
//     components (plan fingerprint, runtime hash, UDF snapshot hash, rewrite
//     tags, Delta pins, scan-unit digest), its readable manifest, and
//     component-level and relation-level explanations of a difference.
package identity
