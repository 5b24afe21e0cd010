// Package deps pins the chosen dependencies in go.mod while the packages that
// use them are being written; it is removed once every one has a real user.
package deps

import (
	_ "github.com/apache/arrow-go/v18/arrow"
	_ "github.com/apache/arrow-go/v18/arrow/array"
	_ "github.com/apache/arrow-go/v18/parquet/pqarrow"
	_ "github.com/parquet-go/parquet-go"
	_ "github.com/substrait-io/substrait-go/v8/plan"
	_ "github.com/substrait-io/substrait-protobuf/go/substraitpb"
	_ "gonum.org/v1/gonum/graph/simple"
	_ "gonum.org/v1/gonum/graph/topo"
)
