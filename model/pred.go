package model

import (
	"sort"
	"strings"
)

// Column names a column by its logical path: one element for a top-level
// column, more for a field nested in structs.
type Column []string

// Col builds a Column from a dotted name ("a.b.c").
func Col(dotted string) Column { return Column(strings.Split(dotted, ".")) }

// String renders the path dotted, the form used in canonical text.
func (c Column) String() string { return strings.Join(c, ".") }

// Op is a comparison operator.
type Op uint8

// Comparison operators.
const (
	OpEq Op = iota
	OpNe
	OpLt
	OpLe
	OpGt
	OpGe
)

var opText = [...]string{"=", "<>", "<", "<=", ">", ">="}

func (o Op) String() string { return opText[o] }

// Flip returns the operator that holds when the operands are swapped
// (a < b ⇔ b > a).
func (o Op) Flip() Op {
	switch o {
	case OpLt:
		return OpGt
	case OpLe:
		return OpGe
	case OpGt:
		return OpLt
	case OpGe:
		return OpLe
	}
	return o
}

// Negate returns the operator of NOT (a op b) for non-NULL operands.
func (o Op) Negate() Op {
	return [...]Op{OpNe, OpEq, OpGe, OpGt, OpLe, OpLt}[o]
}

// Holds says whether a comparison whose result is c (negative, zero or
// positive, as from Compare) satisfies the operator. The pruner and the row
// evaluator both decide through it, so they cannot disagree.
func (o Op) Holds(c int) bool {
	switch o {
	case OpEq:
		return c == 0
	case OpNe:
		return c != 0
	case OpLt:
		return c < 0
	case OpLe:
		return c <= 0
	case OpGt:
		return c > 0
	case OpGe:
		return c >= 0
	}
	return false
}

// Pred is a boolean predicate over a row, in SQL three-valued logic. It is
// the one predicate model of deltaplan: lineage produces it from Substrait
// filters, the filter parser from SQL text, and the pruner evaluates it
// against file statistics.
//
// The concrete types are And, Or, Not, Cmp, IsNull, In, Const and Opaque.
// String returns canonical text: equal predicates print equal text.
type Pred interface {
	String() string
	isPred()
}

// And is true when every argument is true.
type And struct{ Args []Pred }

// Or is true when any argument is true.
type Or struct{ Args []Pred }

// Not negates its argument (NULL stays NULL).
type Not struct{ Arg Pred }

// Cmp compares a column with a literal: Col Op Val. A comparison with NULL
// is never true.
type Cmp struct {
	Col Column
	Op  Op
	Val Value
}

// IsNull tests a column for NULL (IS NOT NULL when Negated).
type IsNull struct {
	Col     Column
	Negated bool
}

// In tests membership of a column in a literal list (NOT IN when Negated).
type In struct {
	Col     Column
	Vals    []Value
	Negated bool
}

// Const is a constant TRUE or FALSE.
type Const struct{ Val bool }

// Opaque is a predicate the model cannot express (a UDF, a comparison of two
// columns, arithmetic). It may be true or not for any file, so pruning keeps
// every file for it. Text is its canonical rendering; Cols the columns it
// reads, sorted.
type Opaque struct {
	Text string
	Cols []Column
}

func (And) isPred()    {}
func (Or) isPred()     {}
func (Not) isPred()    {}
func (Cmp) isPred()    {}
func (IsNull) isPred() {}
func (In) isPred()     {}
func (Const) isPred()  {}
func (Opaque) isPred() {}

func (p And) String() string { return joinPreds(p.Args, " AND ", "TRUE") }
func (p Or) String() string  { return joinPreds(p.Args, " OR ", "FALSE") }
func (p Not) String() string { return "NOT (" + p.Arg.String() + ")" }
func (p Cmp) String() string {
	return quoteIdent(p.Col) + " " + p.Op.String() + " " + p.Val.String()
}
func (p IsNull) String() string {
	if p.Negated {
		return quoteIdent(p.Col) + " IS NOT NULL"
	}
	return quoteIdent(p.Col) + " IS NULL"
}
func (p In) String() string {
	parts := make([]string, len(p.Vals))
	for i, v := range p.Vals {
		parts[i] = v.String()
	}
	kw := " IN ("
	if p.Negated {
		kw = " NOT IN ("
	}
	return quoteIdent(p.Col) + kw + strings.Join(parts, ", ") + ")"
}
func (p Const) String() string {
	if p.Val {
		return "TRUE"
	}
	return "FALSE"
}
func (p Opaque) String() string { return p.Text }

func joinPreds(ps []Pred, sep, empty string) string {
	if len(ps) == 0 {
		return empty
	}
	parts := make([]string, len(ps))
	for i, a := range ps {
		s := a.String()
		switch a.(type) {
		case And, Or:
			s = "(" + s + ")"
		}
		parts[i] = s
	}
	return strings.Join(parts, sep)
}

// quoteIdent prints a column path with each element quoted as QuoteIdent
// does, so canonical text parses back unambiguously.
func quoteIdent(c Column) string {
	parts := make([]string, len(c))
	for i, p := range c {
		parts[i] = QuoteIdent(p)
	}
	return strings.Join(parts, ".")
}

// QuoteIdent returns name bare when it is a plain identifier that is not a
// keyword of the filter grammar, and in double quotes (with "" escaping)
// otherwise.
func QuoteIdent(name string) string {
	if isPlainIdent(name) && !keywords[strings.ToUpper(name)] {
		return name
	}
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// keywords are the reserved words of the filter grammar (CONTRACT.md).
var keywords = map[string]bool{
	"AND": true, "OR": true, "NOT": true, "IS": true, "NULL": true, "IN": true,
	"BETWEEN": true, "TRUE": true, "FALSE": true, "DATE": true, "TIMESTAMP": true,
}

func isPlainIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_', r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
		case r >= '0' && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// Conjuncts flattens nested ANDs into their leaves, in order.
func Conjuncts(p Pred) []Pred {
	if a, ok := p.(And); ok {
		var out []Pred
		for _, x := range a.Args {
			out = append(out, Conjuncts(x)...)
		}
		return out
	}
	return []Pred{p}
}

// Columns returns the distinct columns a predicate reads, sorted by their
// dotted text.
func Columns(p Pred) []Column {
	seen := map[string]Column{}
	var walk func(Pred)
	walk = func(p Pred) {
		switch p := p.(type) {
		case And:
			for _, a := range p.Args {
				walk(a)
			}
		case Or:
			for _, a := range p.Args {
				walk(a)
			}
		case Not:
			walk(p.Arg)
		case Cmp:
			seen[p.Col.String()] = p.Col
		case IsNull:
			seen[p.Col.String()] = p.Col
		case In:
			seen[p.Col.String()] = p.Col
		case Opaque:
			for _, c := range p.Cols {
				seen[c.String()] = c
			}
		case Const:
		default:
			panic("model.Columns: unknown predicate type")
		}
	}
	walk(p)
	keys := make([]string, 0, len(seen))
	for k := range seen {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]Column, len(keys))
	for i, k := range keys {
		out[i] = seen[k]
	}
	return out
}
