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
//   - FingerprintPlan: a canonical fingerprint of a Substrait plan. It is
//     driven by the protobuf descriptors (protoreflect), so every semantic
//     field is covered without a hand-written list; fingerprint.go lists
//     what is deliberately left out and why. For speed it walks the plan's
//     deterministic wire bytes (wire.go); a reference walk through
//     protoreflect values writes the same bytes and the tests and fuzzer
//     hold the two equal. Extension anchors are resolved through a Resolver
//     (AnchorTable, PlanAnchors) so anchor numbering never leaks in.
//   - Components, Signature and Diff: the enriched signature over named
//     components (plan fingerprint, settings hash, the called UDFs' snapshot
//     hash, the applicable rewrite tags, planners, Delta pins, scan-unit
//     digest; the whole-session runtime hash is carried but not signed), its
//     readable manifest, and component-level and relation-level
//     explanations of a difference, each change classified by Kind and
//     Impact.
package identity
