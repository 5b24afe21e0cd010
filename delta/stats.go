package delta

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"

	"github.com/deltaplan/deltaplan/model"
)

// layout is the per-snapshot shape of the file columns: which statistics
// leaves and partition columns exist, by physical and logical name. It is
// built once from the schema and shared read-only by concurrent builders.
type layout struct {
	leaves []Leaf
	kinds  []model.Kind
	scales []int32
	interp []statInterp // how each leaf's statistics are read
	root   *physNode    // stats JSON keys (physical names) → leaf index
	parts  []partCol
}

type partCol struct {
	logical, physical string
	typ               *Type
}

type physNode struct {
	children map[string]*physNode
	// kids and names list the children in schema order: writers emit stats
	// keys in that order, so the next key is tried before the map.
	kids  []*physNode
	names []string
	leaf  int // index into layout.leaves, -1 for a struct
}

// lookup finds the child named key, guessing it follows child *hint.
func (n *physNode) lookup(key string, hint *int) *physNode {
	if h := *hint + 1; h < len(n.names) && n.names[h] == key {
		*hint = h
		return n.kids[h]
	}
	c := n.children[key]
	if c != nil {
		for i, k := range n.kids {
			if k == c {
				*hint = i
			}
		}
	}
	return c
}

func newLayout(schema *Schema, partitionColumns []string, mode string) (*layout, error) {
	l := &layout{root: &physNode{leaf: -1}}
	for _, lf := range schema.Leaves(mode) {
		k, sc, ok := kindOf(lf.Type)
		if !ok {
			continue
		}
		n := l.root
		for j, name := range lf.Physical {
			if n.children == nil {
				n.children = map[string]*physNode{}
			}
			c := n.children[name]
			if c == nil {
				c = &physNode{leaf: -1}
				n.children[name] = c
				n.kids = append(n.kids, c)
				n.names = append(n.names, name)
			}
			if j == len(lf.Physical)-1 {
				c.leaf = len(l.leaves)
			}
			n = c
		}
		l.leaves = append(l.leaves, lf)
		l.kinds = append(l.kinds, k)
		l.scales = append(l.scales, sc)
		l.interp = append(l.interp, interpOf(schema, lf, k, sc))
	}
	for _, pc := range partitionColumns {
		f, ok := schema.Field(pc)
		if !ok {
			return nil, fmt.Errorf("partition column %q is not in the schema", pc)
		}
		l.parts = append(l.parts, partCol{logical: f.Name, physical: f.PhysicalName(mode), typ: f.Type})
	}
	return l, nil
}

// fileCols accumulates the active files in arrival order, column by column;
// Snapshot sorts them by path at the end. Each builder is used by one
// goroutine; buildFileSet merges builders of the same layout.
type fileCols struct {
	lay       *layout
	paths     []string
	sizes     []int64
	mods      []int64
	numRecs   []int64
	dvCard    []int64
	dvIDs     []string // deletion-vector unique ids; "" when none
	tight     []int8
	partRaw   [][]string
	partValid [][]bool
	stats     []statCol
	intern    []map[string]string // per partition column
	// window is the row count this builder may fill in its arena's
	// storage (see windowOf); -1 when it has storage of its own.
	window int
	// pathChunk is the tail of the block copied paths are packed into.
	pathChunk []byte
	// scratch for startPartitions … endPartitions
	scratchRaw []string
	scratchOK  []bool
}

type statCol struct {
	min, max model.Vector
	nulls    []int64
	any      bool // some file has a statistic for this leaf
}

func newFileCols(l *layout) *fileCols {
	fc := &fileCols{lay: l, window: -1, partRaw: make([][]string, len(l.parts)), partValid: make([][]bool, len(l.parts)), stats: make([]statCol, len(l.leaves))}
	for i := range fc.stats {
		fc.stats[i].min = model.NewVector(l.kinds[i], l.scales[i], 0)
		fc.stats[i].max = model.NewVector(l.kinds[i], l.scales[i], 0)
	}
	return fc
}

func (fc *fileCols) len() int { return len(fc.paths) }

// reserve makes room for n more files.
func (fc *fileCols) reserve(n int) {
	fc.paths = grow(fc.paths, n)
	fc.sizes, fc.mods, fc.numRecs, fc.dvCard = grow(fc.sizes, n), grow(fc.mods, n), grow(fc.numRecs, n), grow(fc.dvCard, n)
	fc.tight, fc.dvIDs = grow(fc.tight, n), grow(fc.dvIDs, n)
	for j := range fc.partRaw {
		fc.partRaw[j], fc.partValid[j] = grow(fc.partRaw[j], n), grow(fc.partValid[j], n)
	}
	for i := range fc.stats {
		s := &fc.stats[i]
		s.nulls = grow(s.nulls, n)
		for _, v := range []*model.Vector{&s.min, &s.max} {
			v.Valid = grow(v.Valid, n)
			switch v.Kind {
			case model.KindBool:
				v.Bools = grow(v.Bools, n)
			case model.KindInt, model.KindDate, model.KindTimestamp, model.KindTimestampNTZ:
				v.Ints = grow(v.Ints, n)
			case model.KindFloat:
				v.Floats = grow(v.Floats, n)
			case model.KindString, model.KindBinary:
				v.Strs = grow(v.Strs, n)
			case model.KindDecimal:
				v.Decs = grow(v.Decs, n)
			}
		}
	}
}

func grow[T any](s []T, n int) []T { return slices.Grow(s, n) }

// begin appends a file with unknown statistics and returns its row.
func (fc *fileCols) begin(path string, size, mod int64, dvCard int64, dvID string) int {
	fc.paths = append(fc.paths, path)
	fc.sizes = append(fc.sizes, size)
	fc.mods = append(fc.mods, mod)
	fc.numRecs = append(fc.numRecs, -1)
	fc.dvCard = append(fc.dvCard, dvCard)
	fc.dvIDs = append(fc.dvIDs, dvID)
	fc.tight = append(fc.tight, -1)
	for i := range fc.stats {
		s := &fc.stats[i]
		growVec(&s.min)
		growVec(&s.max)
		s.nulls = append(s.nulls, -1)
	}
	return len(fc.paths) - 1
}

// setPartitions records the raw partition values of row (keyed by physical
// name; a nil value or an absent key means NULL).
func (fc *fileCols) setPartition(j int, raw string, valid bool) error {
	// Partition values repeat across files: keep one copy of each, and type
	// check each distinct value once.
	if valid {
		if fc.intern == nil {
			fc.intern = make([]map[string]string, len(fc.lay.parts))
		}
		m := fc.intern[j]
		if m == nil {
			m = map[string]string{}
			fc.intern[j] = m
		}
		if s, ok := m[raw]; ok {
			raw = s
		} else {
			if _, err := parsePartitionValue(raw, fc.lay.parts[j].typ); err != nil {
				return err
			}
			raw = strings.Clone(raw)
			if len(m) < 1<<16 {
				m[raw] = raw
			}
		}
	} else {
		raw = ""
	}
	fc.partRaw[j] = append(fc.partRaw[j], raw)
	fc.partValid[j] = append(fc.partValid[j], valid)
	return nil
}

// setBound stores v as entry row of vec; v must be of the vector's kind.
func setBound(vec *model.Vector, row int, v model.Value) {
	if v.IsNull() {
		return
	}
	vec.Valid[row] = true
	switch vec.Kind {
	case model.KindBool:
		vec.Bools[row] = v.Bool
	case model.KindInt, model.KindDate, model.KindTimestamp, model.KindTimestampNTZ:
		vec.Ints[row] = v.Int
	case model.KindFloat:
		vec.Floats[row] = v.Float
	case model.KindString, model.KindBinary:
		vec.Strs[row] = v.Str
	case model.KindDecimal:
		vec.Decs[row] = v.Dec
	}
}

// errStatsSyntax marks malformed statistics JSON.
var errStatsSyntax = errors.New("malformed stats JSON")

// parseStats reads one add.stats JSON document into row of fc without
// building maps: a single pass over the text that looks keys up in the
// layout's physical-name tree and converts values straight to typed
// columns. Values that do not fit the column type are dropped (an unknown
// bound only makes pruning keep the file); bad JSON is an error.
func (fc *fileCols) parseStats(s string, row int) error {
	sc := statsScanner{s: s}
	sc.ws()
	if !sc.consume('{') {
		return sc.fail("want object")
	}
	sc.ws()
	if sc.consume('}') {
		return sc.end()
	}
	for {
		key, ok := sc.str()
		if !ok {
			return sc.fail("want key")
		}
		sc.ws()
		if !sc.consume(':') {
			return sc.fail("want ':'")
		}
		sc.ws()
		var err error
		switch key {
		case "numRecords":
			if c := sc.peek(); c != '-' && (c < '0' || c > '9') {
				err = sc.skip()
				break
			}
			tok, ok := sc.number()
			if !ok {
				return sc.fail("bad number")
			}
			if n, e := strconv.ParseInt(tok, 10, 64); e == nil && n >= 0 {
				fc.numRecs[row] = n
			}
		case "tightBounds":
			switch {
			case sc.lit("true"):
				fc.tight[row] = 1
			case sc.lit("false"):
				fc.tight[row] = 0
			default:
				err = sc.skip()
			}
		case "minValues":
			err = fc.walkStats(&sc, fc.lay.root, row, 0)
		case "maxValues":
			err = fc.walkStats(&sc, fc.lay.root, row, 1)
		case "nullCount":
			err = fc.walkStats(&sc, fc.lay.root, row, 2)
		default:
			err = sc.skip()
		}
		if err != nil {
			return err
		}
		sc.ws()
		if sc.consume(',') {
			sc.ws()
			continue
		}
		if sc.consume('}') {
			return sc.end()
		}
		return sc.fail("want ',' or '}'")
	}
}

// walkStats reads an object of minValues (which 0), maxValues (1) or
// nullCount (2) under node.
func (fc *fileCols) walkStats(sc *statsScanner, node *physNode, row, which int) error {
	if !sc.consume('{') {
		return sc.skip() // not an object: nothing usable
	}
	sc.ws()
	if sc.consume('}') {
		return nil
	}
	hint := -1
	for {
		key, ok := sc.str()
		if !ok {
			return sc.fail("want key")
		}
		sc.ws()
		if !sc.consume(':') {
			return sc.fail("want ':'")
		}
		sc.ws()
		child := node.lookup(key, &hint)
		var err error
		switch {
		case child == nil:
			err = sc.skip()
		case child.leaf < 0:
			err = fc.walkStats(sc, child, row, which)
		default:
			err = fc.statValue(sc, child.leaf, row, which)
		}
		if err != nil {
			return err
		}
		sc.ws()
		if sc.consume(',') {
			sc.ws()
			continue
		}
		if sc.consume('}') {
			return nil
		}
		return sc.fail("want ',' or '}'")
	}
}

func (fc *fileCols) statValue(sc *statsScanner, leaf, row, which int) error {
	col := &fc.stats[leaf]
	if which == 2 {
		if c := sc.peek(); c != '-' && (c < '0' || c > '9') {
			return sc.skip()
		}
		tok, ok := sc.number()
		if !ok {
			return sc.fail("bad number")
		}
		if n, ok := smallInt(tok); ok && n >= 0 {
			col.nulls[row] = n
			col.any = true
		}
		return nil
	}
	vec := &col.min
	if which == 1 {
		vec = &col.max
	}
	var v model.Value
	kind := fc.lay.kinds[leaf]
	switch c := sc.peek(); {
	case c == '"':
		str, ok := sc.str()
		if !ok {
			return sc.fail("bad string")
		}
		v = typedFromString(str, fc.lay.interp[leaf], which == 1)
	case c == '-' || (c >= '0' && c <= '9'):
		tok, ok := sc.number()
		if !ok {
			return sc.fail("bad number")
		}
		if kind == model.KindInt {
			// Fast path: integer columns are the common case.
			if n, ok := smallInt(tok); ok {
				vec.Valid[row], vec.Ints[row] = true, n
				col.any = true
				return nil
			}
		}
		v = typedFromNumber(tok, fc.lay.interp[leaf], which == 1)
	case c == 't' || c == 'f':
		if sc.lit("true") {
			v = model.BoolValue(true)
		} else if sc.lit("false") {
			v = model.BoolValue(false)
		} else {
			return sc.fail("bad literal")
		}
		if kind != model.KindBool {
			v = model.Null
		}
	default:
		return sc.skip()
	}
	if !v.IsNull() {
		setBound(vec, row, v)
		col.any = true
	}
	return nil
}

// statInterp is what a statistic of one leaf column means: the column's
// kind and scale, and what a writer of this column may have written. Every
// rule keeps a min a lower bound and a max an upper bound of the values.
type statInterp struct {
	kind  model.Kind
	scale int32
	// float32: a "float" column. Writers print the float32 value's shortest
	// text ("3.14" for 3.1400001049…); read as a double it would be below
	// the real value, so it is parsed as a float32 and widened exactly.
	float32 bool
	// wasFloat: a double column widened from float (delta.typeChanges):
	// older files' statistics are float32 texts, newer ones doubles, and a
	// file does not say which, so a bound is the wider of both readings.
	wasFloat bool
	// wasDate: a timestamp_ntz column widened from date: older files'
	// statistics are "YYYY-MM-DD", which is midnight of that day.
	wasDate bool
}

// interpOf describes the statistics of leaf lf (kind k, scale sc) of schema.
func interpOf(schema *Schema, lf Leaf, k model.Kind, sc int32) statInterp {
	in := statInterp{kind: k, scale: sc, float32: lf.Type != nil && lf.Type.Name == "float"}
	for _, from := range typeChangesFrom(schema, lf.Logical) {
		switch from {
		case "float":
			in.wasFloat = k == model.KindFloat
		case "date":
			in.wasDate = k == model.KindTimestampNTZ || k == model.KindTimestamp
		}
	}
	return in
}

// typeChangesFrom lists the fromType of every entry of the field's
// delta.typeChanges metadata (type widening), empty when none.
func typeChangesFrom(schema *Schema, path model.Column) []string {
	if schema == nil || len(path) == 0 {
		return nil
	}
	fields := schema.Fields
	var f *Field
	for _, name := range path {
		f = nil
		for i := range fields {
			if fields[i].Name == name {
				f = &fields[i]
				break
			}
		}
		if f == nil {
			return nil
		}
		if f.Type != nil {
			fields = f.Type.Fields
		}
	}
	raw, ok := f.Metadata["delta.typeChanges"]
	if !ok {
		return nil
	}
	var changes []struct {
		FromType  string `json:"fromType"`
		FieldPath string `json:"fieldPath"`
	}
	if json.Unmarshal(raw, &changes) != nil {
		return nil
	}
	var out []string
	for _, c := range changes {
		if c.FieldPath == "" { // the field itself, not an array/map element
			out = append(out, c.FromType)
		}
	}
	return out
}

// typedFromString converts a JSON string statistic. Timestamps written with
// millisecond precision (Spark truncates) get 999µs added when they are a
// max, so the bound stays an upper bound; this is the one place (with
// adjustParsedBound for checkpoints) where that widening happens.
func typedFromString(s string, in statInterp, isMax bool) model.Value {
	switch k := in.kind; k {
	case model.KindString:
		return model.StringValue(strings.Clone(s))
	case model.KindBinary:
		return model.BinaryValue([]byte(s))
	case model.KindDate:
		if d, ok := parseDate(s); ok {
			return model.DateValue(d)
		}
	case model.KindTimestamp, model.KindTimestampNTZ:
		if us, frac, ok := parseTimestamp(s); ok {
			if isMax && frac <= 3 {
				us += 999
			}
			return model.Value{Kind: k, Int: us}
		}
		if in.wasDate {
			if d, ok := parseDate(s); ok {
				return model.Value{Kind: k, Int: d * 86400 * 1e6}
			}
		}
	case model.KindFloat:
		switch s {
		case "Infinity", "+Infinity":
			return model.FloatValue(math.Inf(1))
		case "-Infinity":
			return model.FloatValue(math.Inf(-1))
		}
	case model.KindDecimal:
		return typedFromNumber(s, in, isMax)
	}
	return model.Null
}

func typedFromNumber(tok string, in statInterp, isMax bool) model.Value {
	switch in.kind {
	case model.KindInt:
		if i, err := strconv.ParseInt(tok, 10, 64); err == nil {
			return model.IntValue(i)
		}
	case model.KindFloat:
		if in.float32 {
			// ParseFloat(…, 32) rounds to the nearest float32, the value
			// the writer printed; out of float32 range it is ±Inf, still
			// a bound on the side it was printed for.
			f, err := strconv.ParseFloat(tok, 32)
			if (err == nil || math.IsInf(f, 0)) && !math.IsNaN(f) {
				return model.FloatValue(f)
			}
			return model.Null
		}
		f, err := strconv.ParseFloat(tok, 64)
		if err != nil || math.IsNaN(f) {
			return model.Null
		}
		if in.wasFloat {
			f = widenFloat32Reading(f, isMax)
		}
		return model.FloatValue(f)
	case model.KindDecimal:
		if d, exact := parseDecimal(tok, in.scale); d != nil {
			// Finer than the scale: parseDecimal truncates toward zero, so
			// round a max up and a min down to stay a bound.
			neg := strings.HasPrefix(tok, "-")
			if !exact && isMax && !neg {
				d.Add(d, bigOne)
			} else if !exact && !isMax && neg {
				d.Sub(d, bigOne)
			}
			return model.Value{Kind: model.KindDecimal, Dec: d, Scale: in.scale}
		}
	}
	return model.Null
}

// widenFloat32Reading returns the wider of f and the float32 that f's text
// may have denoted (for a double column widened from float).
func widenFloat32Reading(f float64, isMax bool) float64 {
	g := float64(float32(f))
	if math.IsInf(g, 0) && !math.IsInf(f, 0) {
		return f // not a float32 value
	}
	if isMax {
		return math.Max(f, g)
	}
	return math.Min(f, g)
}

// adjustParsedBound applies to a typed checkpoint statistic (stats_parsed)
// the same meaning rules as the JSON path: a whole-millisecond timestamp max
// is widened by 999µs; a double column widened from float takes the wider
// float32 reading.
func adjustParsedBound(v model.Value, in statInterp, isMax bool) model.Value {
	switch v.Kind {
	case model.KindTimestamp, model.KindTimestampNTZ:
		if isMax && v.Int%1000 == 0 && v.Int <= math.MaxInt64-999 {
			v.Int += 999
		}
	case model.KindFloat:
		// A float column's statistic stored as a double may be the double
		// reading of the float32's text: take the wider reading too.
		if in.wasFloat || in.float32 {
			v.Float = widenFloat32Reading(v.Float, isMax)
		}
	}
	return v
}

// statsScanner is a minimal JSON tokenizer over a string.
type statsScanner struct {
	s string
	i int
}

func (sc *statsScanner) fail(what string) error {
	return fmt.Errorf("%w at offset %d: %s", errStatsSyntax, sc.i, what)
}

func (sc *statsScanner) end() error {
	sc.ws()
	if sc.i != len(sc.s) {
		return sc.fail("trailing data")
	}
	return nil
}

func (sc *statsScanner) ws() {
	for sc.i < len(sc.s) {
		switch sc.s[sc.i] {
		case ' ', '\t', '\n', '\r':
			sc.i++
		default:
			return
		}
	}
}

func (sc *statsScanner) peek() byte {
	if sc.i < len(sc.s) {
		return sc.s[sc.i]
	}
	return 0
}

func (sc *statsScanner) consume(c byte) bool {
	if sc.i < len(sc.s) && sc.s[sc.i] == c {
		sc.i++
		return true
	}
	return false
}

func (sc *statsScanner) lit(w string) bool {
	if strings.HasPrefix(sc.s[sc.i:], w) {
		sc.i += len(w)
		return true
	}
	return false
}

// number returns the raw number token; ok is false when no number starts
// here or the token breaks the JSON number grammar.
func (sc *statsScanner) number() (string, bool) {
	start, s := sc.i, sc.s
	i := sc.i
	digits := func() int {
		n := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			n++
		}
		return n
	}
	if i < len(s) && s[i] == '-' {
		i++
	}
	if i < len(s) && s[i] == '0' {
		i++
	} else if digits() == 0 {
		return "", false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return "", false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return "", false
		}
	}
	sc.i = i
	return s[start:i], true
}

// str reads a JSON string; without escapes it returns a substring.
func (sc *statsScanner) str() (string, bool) {
	if !sc.consume('"') {
		return "", false
	}
	start := sc.i
	for sc.i < len(sc.s) {
		c := sc.s[sc.i]
		if c == '"' {
			out := sc.s[start:sc.i]
			sc.i++
			return out, true
		}
		if c == '\\' {
			return sc.strSlow(start)
		}
		if c < 0x20 {
			return "", false
		}
		sc.i++
	}
	return "", false
}

func (sc *statsScanner) strSlow(start int) (string, bool) {
	var b strings.Builder
	// Escapes only shrink the text; the string's length is at most what
	// remains of the input.
	b.Grow(min(len(sc.s)-start, 1<<16))
	b.WriteString(sc.s[start:sc.i])
	for sc.i < len(sc.s) {
		// Copy the run up to the next quote, backslash or control byte.
		j := sc.i
		for j < len(sc.s) && sc.s[j] != '"' && sc.s[j] != '\\' && sc.s[j] >= 0x20 {
			j++
		}
		b.WriteString(sc.s[sc.i:j])
		sc.i = j
		if j == len(sc.s) {
			return "", false
		}
		switch c := sc.s[j]; {
		case c == '"':
			sc.i++
			return b.String(), true
		case c < 0x20:
			return "", false
		}
		if sc.i+1 >= len(sc.s) {
			return "", false
		}
		e := sc.s[sc.i+1]
		sc.i += 2
		switch e {
		case '"', '\\', '/':
			b.WriteByte(e)
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			r, ok := sc.hex4()
			if !ok {
				return "", false
			}
			if r >= 0xD800 && r < 0xDC00 && strings.HasPrefix(sc.s[sc.i:], "\\u") {
				// A high surrogate pairs only with a following low one
				// (as encoding/json decodes); otherwise it is U+FFFD.
				save := sc.i
				sc.i += 2
				if r2, ok := sc.hex4(); ok && r2 >= 0xDC00 && r2 < 0xE000 {
					r = utf16.DecodeRune(r, r2)
				} else {
					sc.i = save
					r = utf8.RuneError
				}
			} else if utf16.IsSurrogate(r) {
				r = utf8.RuneError
			}
			b.WriteRune(r)
		default:
			return "", false
		}
	}
	return "", false
}

func (sc *statsScanner) hex4() (rune, bool) {
	if sc.i+4 > len(sc.s) {
		return 0, false
	}
	v, err := strconv.ParseUint(sc.s[sc.i:sc.i+4], 16, 32)
	if err != nil {
		return 0, false
	}
	sc.i += 4
	return rune(v), true
}

// skip passes over one JSON value of any kind, checking its syntax.
func (sc *statsScanner) skip() error {
	return sc.skipDepth(0)
}

func (sc *statsScanner) skipDepth(depth int) error {
	if depth > 200 {
		return sc.fail("nesting too deep")
	}
	sc.ws()
	switch c := sc.peek(); {
	case c == '"':
		if _, ok := sc.str(); !ok {
			return sc.fail("bad string")
		}
	case c == '{' || c == '[':
		closer := byte('}')
		if c == '[' {
			closer = ']'
		}
		sc.i++
		sc.ws()
		if sc.consume(closer) {
			return nil
		}
		for {
			if c == '{' {
				if _, ok := sc.str(); !ok {
					return sc.fail("want key")
				}
				sc.ws()
				if !sc.consume(':') {
					return sc.fail("want ':'")
				}
			}
			if err := sc.skipDepth(depth + 1); err != nil {
				return err
			}
			sc.ws()
			if sc.consume(',') {
				sc.ws()
				continue
			}
			if sc.consume(closer) {
				return nil
			}
			return sc.fail("want ',' or closing bracket")
		}
	case c == '-' || (c >= '0' && c <= '9'):
		if _, ok := sc.number(); !ok {
			return sc.fail("bad number")
		}
	default:
		if !sc.lit("true") && !sc.lit("false") && !sc.lit("null") {
			return sc.fail("unexpected character")
		}
	}
	return nil
}

// growVec appends one invalid entry without building a model.Value.
func growVec(v *model.Vector) {
	v.Valid = append(v.Valid, false)
	switch v.Kind {
	case model.KindBool:
		v.Bools = append(v.Bools, false)
	case model.KindInt, model.KindDate, model.KindTimestamp, model.KindTimestampNTZ:
		v.Ints = append(v.Ints, 0)
	case model.KindFloat:
		v.Floats = append(v.Floats, 0)
	case model.KindString, model.KindBinary:
		v.Strs = append(v.Strs, "")
	case model.KindDecimal:
		v.Decs = append(v.Decs, nil)
	}
}

// smallInt parses an optionally negative integer of at most 18 digits (no
// overflow possible); ok is false for anything else.
func smallInt(tok string) (int64, bool) {
	neg := len(tok) > 0 && tok[0] == '-'
	if neg {
		tok = tok[1:]
	}
	if len(tok) == 0 || len(tok) > 18 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(tok); i++ {
		c := tok[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// copyPath returns a copy of p (which may view a decoder buffer) packed
// into a shared block: a million paths become a few hundred allocations
// instead of a million, with no size-class rounding. Bytes once written to
// a block are never changed, so the strings stay valid.
func (fc *fileCols) copyPath(p string) string {
	if len(p) == 0 {
		return ""
	}
	if cap(fc.pathChunk)-len(fc.pathChunk) < len(p) {
		fc.pathChunk = make([]byte, 0, max(256<<10, len(p)))
	}
	start := len(fc.pathChunk)
	fc.pathChunk = append(fc.pathChunk, p...)
	return unsafe.String(&fc.pathChunk[start], len(p))
}
