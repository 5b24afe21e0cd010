// Package lineage turns a Substrait plan into structural facts about what it
// reads: per read, the table, the top-level base-schema columns the plan
// needs, nested paths, and the filter conjuncts that can be evaluated at the
// scan (typed, for pruning, and as canonical text); plus joins with their key
// columns, the functions the plan calls, and relation-kind counts.
//
// Facts come from walking the protobuf messages
// (github.com/substrait-io/substrait-protobuf/go/substraitpb), never from a
// display string. Decode accepts protobuf binary and protobuf JSON, including
// plans that declare extensions by URI (the pre-v0.75 extension_uris), which
// the v0.85 protobuf no longer knows; the resolved extension table is exported
// (Plan.Extensions) so other packages can resolve function anchors the same
// way.
//
// Extension identity: a URI naming one of the standard Substrait extension
// files (".../functions_arithmetic.yaml", "/functions_arithmetic.yaml") and
// the URN of the same file ("extension:io.substrait:functions_arithmetic")
// are one extension, whose canonical identity is the URN form. Every other
// URI or URN is kept verbatim.
package lineage
