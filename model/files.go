package model

import "math/big"

// FileSet is the set of active data files of one pinned table version, in
// columnar form: file i is described by index i of every slice. It is the
// contract between the Delta reader, which fills it once per snapshot, and the
// pruner, which evaluates predicates over whole columns without allocating per
// file.
//
// Invariants: every per-file slice has length Len(); files are sorted by Path
// and paths are unique; Partitions are in table order; Stats are sorted by the
// dotted logical path.
type FileSet struct {
	Paths         []string // add.path, percent-decoded
	Sizes         []int64  // bytes
	ModTimes      []int64  // add.modificationTime, ms since the epoch
	NumRecords    []int64  // stats numRecords; -1 when unknown
	DVCardinality []int64  // deletion-vector cardinality; -1 when the file has none
	DVIDs         []string // deletion-vector unique id (storage type, path or inline data, @offset); "" when none
	TightBounds   []int8   // stats tightBounds: -1 absent, 0 false, 1 true

	// Partitions holds one column per partition column, by logical name.
	Partitions []PartitionColumn
	// Stats holds one column per leaf column that any file has statistics
	// for, by logical path (column mapping already undone).
	Stats []ColumnStats
}

// Len is the number of files.
func (f *FileSet) Len() int { return len(f.Paths) }

// PartitionColumn is one partition column across all files.
type PartitionColumn struct {
	Name string // logical name
	// Raw is the partition value exactly as the log states it; RawValid[i] is
	// false when the log says null (or omits the column).
	Raw      []string
	RawValid []bool
	// Values are the typed values (Valid false for null).
	Values Vector
	// Undecoded is nil when every value typed. Otherwise Undecoded[i] is
	// true when Raw[i] is a value the reader could not type (a writer's
	// format it does not know): Values[i] is then NULL and means nothing,
	// and pruning must keep file i for any predicate on the column.
	Undecoded []bool
}

// IsUndecoded reports whether file i's value of the column could not be
// typed (see Undecoded).
func (p *PartitionColumn) IsUndecoded(i int) bool {
	return p.Undecoded != nil && p.Undecoded[i]
}

// ColumnStats holds min, max and null count of one leaf column across all
// files. Min.Valid[i] (Max.Valid[i]) is false when file i has no bound for the
// column. NullCount[i] is -1 when unknown.
type ColumnStats struct {
	Path      Column // logical path
	Min, Max  Vector
	NullCount []int64
}

// Vector is a typed column of values. Which slice is populated depends on
// Kind: Bools for KindBool; Ints for KindInt, KindDate, KindTimestamp and
// KindTimestampNTZ; Floats for KindFloat; Strs for KindString and
// KindBinary; Decs (unscaled, with Scale) for KindDecimal. Valid[i] false
// means no value (NULL or unknown) at i.
type Vector struct {
	Kind   Kind
	Scale  int32
	Valid  []bool
	Bools  []bool
	Ints   []int64
	Floats []float64
	Strs   []string
	Decs   []*big.Int
}

// NewVector returns an empty vector of kind k with capacity n.
func NewVector(k Kind, scale int32, n int) Vector {
	v := Vector{Kind: k, Scale: scale, Valid: make([]bool, 0, n)}
	switch k {
	case KindBool:
		v.Bools = make([]bool, 0, n)
	case KindInt, KindDate, KindTimestamp, KindTimestampNTZ:
		v.Ints = make([]int64, 0, n)
	case KindFloat:
		v.Floats = make([]float64, 0, n)
	case KindString, KindBinary:
		v.Strs = make([]string, 0, n)
	case KindDecimal:
		v.Decs = make([]*big.Int, 0, n)
	}
	return v
}

// Len is the number of entries.
func (v *Vector) Len() int { return len(v.Valid) }

// Append adds x, which must be NULL or of the vector's kind (an int is
// accepted into any Ints-backed kind).
func (v *Vector) Append(x Value) {
	valid := !x.IsNull()
	v.Valid = append(v.Valid, valid)
	switch v.Kind {
	case KindBool:
		v.Bools = append(v.Bools, valid && x.Bool)
	case KindInt, KindDate, KindTimestamp, KindTimestampNTZ:
		var i int64
		if valid {
			i = x.Int
		}
		v.Ints = append(v.Ints, i)
	case KindFloat:
		var f float64
		if valid {
			f = x.Float
		}
		v.Floats = append(v.Floats, f)
	case KindString, KindBinary:
		var s string
		if valid {
			s = x.Str
		}
		v.Strs = append(v.Strs, s)
	case KindDecimal:
		var d *big.Int
		if valid {
			d = x.Dec
		}
		v.Decs = append(v.Decs, d)
	}
}

// Get returns entry i as a Value (NULL when not valid).
func (v *Vector) Get(i int) Value {
	if !v.Valid[i] {
		return Null
	}
	switch v.Kind {
	case KindBool:
		return BoolValue(v.Bools[i])
	case KindInt, KindDate, KindTimestamp, KindTimestampNTZ:
		return Value{Kind: v.Kind, Int: v.Ints[i]}
	case KindFloat:
		return FloatValue(v.Floats[i])
	case KindString, KindBinary:
		return Value{Kind: v.Kind, Str: v.Strs[i]}
	case KindDecimal:
		return Value{Kind: KindDecimal, Dec: v.Decs[i], Scale: v.Scale}
	}
	return Null
}
