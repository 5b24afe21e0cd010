package scanunit

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/deltaplan/deltaplan/model"
)

// ParseFilter parses the SQL boolean expression of `deltaplan files
// --filter` (grammar in CONTRACT.md) into a model.Pred.
//
// The grammar is small (one precedence level per boolean operator, literals
// on one side of a comparison), so a hand-written recursive-descent parser
// gives exact byte offsets in errors and produces model.Pred directly,
// without a generated AST or a new dependency.
//
// Normalisations: a literal on the left of a comparison is flipped to the
// right; x BETWEEN a AND b becomes x >= a AND x <= b; != becomes <>; a
// comparison of two columns is kept as model.Opaque (pruning keeps every
// file for it). The canonical text of the result (its String) parses back to
// the same text.
func ParseFilter(text string) (model.Pred, error) {
	p := &parser{src: text}
	if err := p.lex(); err != nil {
		return nil, err
	}
	if p.peek().kind == tEOF {
		return nil, p.errAt(p.peek(), "empty filter")
	}
	e, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		return nil, p.errAt(t, fmt.Sprintf("unexpected %s after a complete expression", t.describe()))
	}
	return e, nil
}

type tokKind uint8

const (
	tEOF tokKind = iota
	tIdent
	tQuoted // "quoted" or `quoted` identifier
	tString
	tBinary // X'hex'
	tNumber
	tOp // = <> != < <= > >=
	tLParen
	tRParen
	tComma
	tDot
	tMinus
	tPlus
)

type token struct {
	kind tokKind
	pos  int
	text string // identifier name, string contents, number text, operator
}

func (t token) describe() string {
	switch t.kind {
	case tEOF:
		return "end of input"
	case tString:
		return "string literal"
	case tBinary:
		return "binary literal"
	case tNumber:
		return "number " + t.text
	case tQuoted:
		return "identifier " + strconv.Quote(t.text)
	}
	return strconv.Quote(t.text)
}

type parser struct {
	src  string
	toks []token
	i    int
}

func (p *parser) errAt(t token, msg string) error { return &SyntaxError{Pos: t.pos, Msg: msg} }

func (p *parser) peek() token { return p.toks[p.i] }
func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

// keyword reports whether t is the bare (unquoted) keyword kw.
func keyword(t token, kw string) bool {
	return t.kind == tIdent && strings.EqualFold(t.text, kw)
}

var reserved = map[string]bool{
	"AND": true, "OR": true, "NOT": true, "IS": true, "NULL": true, "IN": true,
	"BETWEEN": true, "TRUE": true, "FALSE": true,
}

func (p *parser) lex() error {
	s := p.src
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(':
			p.toks = append(p.toks, token{tLParen, i, "("})
			i++
		case c == ')':
			p.toks = append(p.toks, token{tRParen, i, ")"})
			i++
		case c == ',':
			p.toks = append(p.toks, token{tComma, i, ","})
			i++
		case c == '.':
			p.toks = append(p.toks, token{tDot, i, "."})
			i++
		case c == '-':
			p.toks = append(p.toks, token{tMinus, i, "-"})
			i++
		case c == '+':
			p.toks = append(p.toks, token{tPlus, i, "+"})
			i++
		case c == '=':
			p.toks = append(p.toks, token{tOp, i, "="})
			i++
		case c == '<' || c == '>' || c == '!':
			op := string(c)
			if i+1 < len(s) && (s[i+1] == '=' || (c == '<' && s[i+1] == '>')) {
				op += string(s[i+1])
			}
			if op == "!" {
				return &SyntaxError{Pos: i, Msg: `"!" must be followed by "="`}
			}
			p.toks = append(p.toks, token{tOp, i, op})
			i += len(op)
		case c == '\'' || c == '"' || c == '`':
			body, n, err := quoted(s, i)
			if err != nil {
				return err
			}
			k := tString
			if c != '\'' {
				k = tQuoted
			}
			p.toks = append(p.toks, token{k, i, body})
			i += n
		case c >= '0' && c <= '9':
			j := i
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			if j < len(s) && s[j] == '.' {
				j++
				if j >= len(s) || s[j] < '0' || s[j] > '9' {
					return &SyntaxError{Pos: j, Msg: "expected a digit after the decimal point"}
				}
				for j < len(s) && s[j] >= '0' && s[j] <= '9' {
					j++
				}
			}
			if j < len(s) && (s[j] == 'e' || s[j] == 'E') {
				j++
				if j < len(s) && (s[j] == '+' || s[j] == '-') {
					j++
				}
				if j >= len(s) || s[j] < '0' || s[j] > '9' {
					return &SyntaxError{Pos: j, Msg: "expected a digit in the exponent"}
				}
				for j < len(s) && s[j] >= '0' && s[j] <= '9' {
					j++
				}
			}
			if j < len(s) && isIdentByte(s[j]) {
				return &SyntaxError{Pos: j, Msg: "unexpected character after number"}
			}
			p.toks = append(p.toks, token{tNumber, i, s[i:j]})
			i = j
		case isIdentByte(c) && !(c >= '0' && c <= '9'):
			j := i
			for j < len(s) && isIdentByte(s[j]) {
				j++
			}
			word := s[i:j]
			if (word == "X" || word == "x") && j < len(s) && s[j] == '\'' {
				body, n, err := quoted(s, j)
				if err != nil {
					return err
				}
				p.toks = append(p.toks, token{tBinary, i, body})
				i = j + n
				continue
			}
			p.toks = append(p.toks, token{tIdent, i, word})
			i = j
		default:
			r, _ := utf8.DecodeRuneInString(s[i:])
			return &SyntaxError{Pos: i, Msg: fmt.Sprintf("unexpected character %q", r)}
		}
	}
	p.toks = append(p.toks, token{tEOF, len(s), ""})
	return nil
}

func isIdentByte(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}

// quoted reads a literal delimited by s[i], where a doubled delimiter stands
// for itself; it returns the contents and the bytes consumed.
func quoted(s string, i int) (string, int, error) {
	q := s[i]
	var b strings.Builder
	for j := i + 1; j < len(s); j++ {
		if s[j] != q {
			b.WriteByte(s[j])
			continue
		}
		if j+1 < len(s) && s[j+1] == q {
			b.WriteByte(q)
			j++
			continue
		}
		return b.String(), j + 1 - i, nil
	}
	what := "string"
	if q != '\'' {
		what = "quoted identifier"
	}
	return "", 0, &SyntaxError{Pos: i, Msg: "unterminated " + what}
}

func (p *parser) parseOr() (model.Pred, error) {
	first, _, err := p.parseAnd()
	if err != nil {
		return nil, err
	}
	args := []model.Pred{first}
	for keyword(p.peek(), "OR") {
		p.next()
		x, _, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		args = append(args, x)
	}
	if len(args) == 1 {
		return first, nil
	}
	return model.Or{Args: args}, nil
}

// parseAnd returns its result and whether it is a bare conjunction that an
// enclosing AND may splice in.
func (p *parser) parseAnd() (model.Pred, bool, error) {
	var args []model.Pred
	for {
		x, between, err := p.parseNot()
		if err != nil {
			return nil, false, err
		}
		if between {
			args = append(args, x.(model.And).Args...)
		} else {
			args = append(args, x)
		}
		if !keyword(p.peek(), "AND") {
			break
		}
		p.next()
	}
	if len(args) == 1 {
		return args[0], false, nil
	}
	return model.And{Args: args}, true, nil
}

// parseNot returns its result and whether it is an unparenthesised BETWEEN,
// whose two comparisons an enclosing AND splices in.
func (p *parser) parseNot() (model.Pred, bool, error) {
	if keyword(p.peek(), "NOT") {
		p.next()
		x, _, err := p.parseNot()
		if err != nil {
			return nil, false, err
		}
		return model.Not{Arg: x}, false, nil
	}
	return p.parsePrimary()
}

func (p *parser) parsePrimary() (model.Pred, bool, error) {
	t := p.peek()
	if t.kind == tLParen {
		p.next()
		e, err := p.parseOr()
		if err != nil {
			return nil, false, err
		}
		if c := p.next(); c.kind != tRParen {
			return nil, false, p.errAt(c, fmt.Sprintf("expected \")\" to close the parenthesis at offset %d, found %s", t.pos, c.describe()))
		}
		return e, false, nil
	}
	left, err := p.parseOperand()
	if err != nil {
		return nil, false, err
	}
	t = p.peek()
	switch {
	case t.kind == tOp:
		p.next()
		right, err := p.parseOperand()
		if err != nil {
			return nil, false, err
		}
		pr, err := p.comparison(t, left, opOf(t.text), right)
		return pr, false, err
	case keyword(t, "IS"):
		p.next()
		neg := false
		if keyword(p.peek(), "NOT") {
			p.next()
			neg = true
		}
		if keyword(p.peek(), "DISTINCT") {
			p.next()
			if f := p.next(); !keyword(f, "FROM") {
				return nil, false, p.errAt(f, "expected FROM after IS DISTINCT, found "+f.describe())
			}
			col, err := p.needColumn(left, "IS DISTINCT FROM")
			if err != nil {
				return nil, false, err
			}
			v, err := p.parseLiteral()
			if err != nil {
				return nil, false, err
			}
			return distinctFrom(col, v, neg), false, nil
		}
		if n := p.next(); !keyword(n, "NULL") {
			return nil, false, p.errAt(n, "expected NULL or DISTINCT FROM after IS, found "+n.describe())
		}
		col, err := p.needColumn(left, "IS NULL")
		if err != nil {
			return nil, false, err
		}
		return model.IsNull{Col: col, Negated: neg}, false, nil
	case keyword(t, "LIKE"):
		p.next()
		return p.parseLike(left, false)
	case keyword(t, "IN"), keyword(t, "BETWEEN"):
		return p.parseInBetween(left, false)
	case keyword(t, "NOT"):
		p.next()
		if keyword(p.peek(), "LIKE") {
			p.next()
			return p.parseLike(left, true)
		}
		if n := p.peek(); !keyword(n, "IN") && !keyword(n, "BETWEEN") {
			return nil, false, p.errAt(n, "expected IN, BETWEEN or LIKE after NOT, found "+n.describe())
		}
		return p.parseInBetween(left, true)
	}
	if left.isLit && left.lit.Kind == model.KindBool {
		return model.Const{Val: left.lit.Bool}, false, nil
	}
	if left.pred != nil {
		_, splice := left.pred.(model.And)
		return left.pred, splice, nil
	}
	if !left.isLit && endsPrimary(t) {
		// A bare column is a boolean test: flag means flag = TRUE.
		return model.Cmp{Col: left.col, Op: model.OpEq, Val: model.BoolValue(true)}, false, nil
	}
	return nil, false, p.errAt(t, "expected a comparison operator, IS, IN or BETWEEN, found "+t.describe())
}

func (p *parser) parseInBetween(left operand, neg bool) (model.Pred, bool, error) {
	kw := p.next()
	col, err := p.needColumn(left, strings.ToUpper(kw.text))
	if err != nil {
		return nil, false, err
	}
	if keyword(kw, "BETWEEN") {
		lo, err := p.parseLiteral()
		if err != nil {
			return nil, false, err
		}
		if a := p.next(); !keyword(a, "AND") {
			return nil, false, p.errAt(a, "expected AND in BETWEEN, found "+a.describe())
		}
		hi, err := p.parseLiteral()
		if err != nil {
			return nil, false, err
		}
		and := model.And{Args: []model.Pred{
			model.Cmp{Col: col, Op: model.OpGe, Val: lo},
			model.Cmp{Col: col, Op: model.OpLe, Val: hi},
		}}
		if neg {
			return model.Not{Arg: and}, false, nil
		}
		return and, true, nil
	}
	if l := p.next(); l.kind != tLParen {
		return nil, false, p.errAt(l, "expected \"(\" after IN, found "+l.describe())
	}
	var vals []model.Value
	for {
		v, err := p.parseLiteral()
		if err != nil {
			return nil, false, err
		}
		vals = append(vals, v)
		t := p.next()
		if t.kind == tRParen {
			break
		}
		if t.kind != tComma {
			return nil, false, p.errAt(t, "expected \",\" or \")\" in the IN list, found "+t.describe())
		}
	}
	return model.In{Col: col, Vals: vals, Negated: neg}, false, nil
}

// operand is a column or a literal (or a boolean function call, pred);
// pos is where it starts.
type operand struct {
	pos   int
	isLit bool
	lit   model.Value
	col   model.Column
	pred  model.Pred
}

// endsPrimary reports whether t can follow a complete boolean primary.
func endsPrimary(t token) bool {
	return t.kind == tEOF || t.kind == tRParen || keyword(t, "AND") || keyword(t, "OR")
}

// distinctFrom rewrites x IS [NOT] DISTINCT FROM v into the predicates the
// model has: x IS DISTINCT FROM v is (x <> v OR x IS NULL), never NULL; IS
// NOT DISTINCT FROM is (x = v AND x IS NOT NULL); against NULL they are IS
// NOT NULL and IS NULL.
func distinctFrom(col model.Column, v model.Value, not bool) model.Pred {
	if v.IsNull() {
		return model.IsNull{Col: col, Negated: !not}
	}
	if not {
		return model.And{Args: []model.Pred{model.Cmp{Col: col, Op: model.OpEq, Val: v}, model.IsNull{Col: col, Negated: true}}}
	}
	return model.Or{Args: []model.Pred{model.Cmp{Col: col, Op: model.OpNe, Val: v}, model.IsNull{Col: col}}}
}

// parseLike parses the pattern of x [NOT] LIKE 'pattern' (after LIKE). The
// model has no LIKE, so the pattern becomes what it implies: no wildcard is
// equality; 'prefix%' is the byte range [prefix, prefix+1) (exactly the
// strings starting with prefix); any other pattern is that range AND an
// opaque test (pruning uses the range, which every match satisfies). '\'
// escapes a wildcard, as in Spark.
func (p *parser) parseLike(left operand, neg bool) (model.Pred, bool, error) {
	col, err := p.needColumn(left, "LIKE")
	if err != nil {
		return nil, false, err
	}
	t := p.next()
	if t.kind != tString {
		return nil, false, p.errAt(t, "LIKE needs a quoted pattern, found "+t.describe())
	}
	var prefix strings.Builder
	rest := ""
	pat := t.text
	for i := 0; i < len(pat); i++ {
		c := pat[i]
		if c == '\\' && i+1 < len(pat) {
			prefix.WriteByte(pat[i+1])
			i++
			continue
		}
		if c == '%' || c == '_' {
			rest = pat[i:]
			break
		}
		prefix.WriteByte(c)
	}
	var pr model.Pred
	switch {
	case rest == "":
		pr = model.Cmp{Col: col, Op: model.OpEq, Val: model.StringValue(prefix.String())}
	case rest == "%":
		pr = startsWith(col, prefix.String())
	default:
		pr = model.And{Args: append(model.Conjuncts(startsWith(col, prefix.String())), likeOpaque(col, pat))}
	}
	if neg {
		return model.Not{Arg: pr}, false, nil
	}
	_, splice := pr.(model.And)
	return pr, splice, nil
}

// likeOpaque is the part of a LIKE pattern the model cannot express; its
// canonical text like(col, 'pattern') parses back to itself.
func likeOpaque(col model.Column, pattern string) model.Opaque {
	return model.Opaque{Text: "like(" + quoteColumn(col) + ", " + model.StringValue(pattern).String() + ")", Cols: []model.Column{col}}
}

// startsWith is "col starts with prefix" as a byte range: col >= prefix AND
// col < prefix with its last byte incremented (UTF-8 text has no 0xFF byte,
// so the increment never carries). An empty prefix is IS NOT NULL.
func startsWith(col model.Column, prefix string) model.Pred {
	if prefix == "" {
		return model.IsNull{Col: col, Negated: true}
	}
	b := []byte(prefix)
	for len(b) > 0 && b[len(b)-1] == 0xFF {
		b = b[:len(b)-1]
	}
	if len(b) == 0 {
		return model.Cmp{Col: col, Op: model.OpGe, Val: model.StringValue(prefix)}
	}
	b[len(b)-1]++
	return model.And{Args: []model.Pred{
		model.Cmp{Col: col, Op: model.OpGe, Val: model.StringValue(prefix)},
		model.Cmp{Col: col, Op: model.OpLt, Val: model.StringValue(string(b))},
	}}
}

func quoteColumn(c model.Column) string {
	parts := make([]string, len(c))
	for i, x := range c {
		parts[i] = model.QuoteIdent(x)
	}
	return strings.Join(parts, ".")
}

func (p *parser) needColumn(o operand, what string) (model.Column, error) {
	if o.isLit {
		return nil, &SyntaxError{Pos: o.pos, Msg: what + " needs a column on its left, found a literal"}
	}
	return o.col, nil
}

func opOf(s string) model.Op {
	switch s {
	case "=":
		return model.OpEq
	case "<>", "!=":
		return model.OpNe
	case "<":
		return model.OpLt
	case "<=":
		return model.OpLe
	case ">":
		return model.OpGt
	}
	return model.OpGe
}

func (p *parser) comparison(opTok token, l operand, op model.Op, r operand) (model.Pred, error) {
	switch {
	case !l.isLit && r.isLit:
		return model.Cmp{Col: l.col, Op: op, Val: r.lit}, nil
	case l.isLit && !r.isLit:
		return model.Cmp{Col: r.col, Op: op.Flip(), Val: l.lit}, nil
	case !l.isLit && !r.isLit:
		// Two columns: the model cannot express it, pruning keeps all files.
		text := model.IsNull{Col: l.col}.String()
		text = strings.TrimSuffix(text, " IS NULL") + " " + op.String() + " " +
			strings.TrimSuffix(model.IsNull{Col: r.col}.String(), " IS NULL")
		cols := []model.Column{l.col, r.col}
		if cols[0].String() > cols[1].String() {
			cols[0], cols[1] = cols[1], cols[0]
		} else if cols[0].String() == cols[1].String() {
			cols = cols[:1]
		}
		return model.Opaque{Text: text, Cols: cols}, nil
	}
	return nil, p.errAt(opTok, "a comparison needs a column on one side")
}

func (p *parser) parseOperand() (operand, error) {
	t := p.peek()
	if t.kind == tIdent && p.toks[p.i+1].kind == tLParen && !reserved[strings.ToUpper(t.text)] {
		if keyword(t, "CAST") {
			v, err := p.parseLiteral()
			return operand{pos: t.pos, isLit: true, lit: v}, err
		}
		pr, err := p.parseCall()
		return operand{pos: t.pos, pred: pr}, err
	}
	if t.kind == tQuoted || (t.kind == tIdent && !reserved[strings.ToUpper(t.text)] &&
		!((keyword(t, "DATE") || keyword(t, "TIMESTAMP")) && p.toks[p.i+1].kind == tString)) {
		col, err := p.parseColumn()
		return operand{pos: t.pos, col: col}, err
	}
	v, err := p.parseLiteral()
	return operand{pos: t.pos, isLit: true, lit: v}, err
}

// parseCall parses a boolean function call: starts_with(col, 'prefix').
func (p *parser) parseCall() (model.Pred, error) {
	name := p.next()
	isLike := keyword(name, "like")
	if !isLike && !keyword(name, "starts_with") && !keyword(name, "startswith") {
		return nil, p.errAt(name, fmt.Sprintf("unknown function %q: the filter knows starts_with(column, 'prefix'), like(column, 'pattern') and CAST(literal AS type)", name.text))
	}
	p.next() // (
	col, err := p.parseColumn()
	if err != nil {
		return nil, err
	}
	if c := p.next(); c.kind != tComma {
		return nil, p.errAt(c, "expected \",\" in starts_with, found "+c.describe())
	}
	s := p.next()
	if s.kind != tString {
		return nil, p.errAt(s, "starts_with needs a quoted prefix, found "+s.describe())
	}
	if c := p.next(); c.kind != tRParen {
		return nil, p.errAt(c, "expected \")\" to close starts_with, found "+c.describe())
	}
	if isLike {
		return likeOpaque(col, s.text), nil
	}
	return startsWith(col, s.text), nil
}

func (p *parser) parseColumn() (model.Column, error) {
	var col model.Column
	for {
		t := p.next()
		switch {
		case t.kind == tQuoted:
		case t.kind == tIdent && !reserved[strings.ToUpper(t.text)]:
		default:
			return nil, p.errAt(t, "expected a column name, found "+t.describe())
		}
		col = append(col, t.text)
		if p.peek().kind != tDot {
			return col, nil
		}
		p.next()
	}
}

func (p *parser) parseLiteral() (model.Value, error) {
	t := p.next()
	switch t.kind {
	case tString:
		return model.StringValue(t.text), nil
	case tBinary:
		b, ok := parseHex(t.text)
		if !ok {
			return model.Null, p.errAt(t, "binary literal X'...' needs an even number of hex digits")
		}
		return model.BinaryValue(b), nil
	case tNumber:
		return p.number(t, false)
	case tMinus, tPlus:
		n := p.next()
		if n.kind != tNumber {
			return model.Null, p.errAt(n, "expected a number after sign, found "+n.describe())
		}
		return p.number(n, t.kind == tMinus)
	case tIdent:
		switch strings.ToUpper(t.text) {
		case "TRUE":
			return model.BoolValue(true), nil
		case "FALSE":
			return model.BoolValue(false), nil
		case "NULL":
			return model.Null, nil
		case "CAST":
			return p.parseCast(t)
		case "DATE", "TIMESTAMP":
			s := p.next()
			if s.kind != tString {
				return model.Null, p.errAt(s, "expected a quoted string after "+strings.ToUpper(t.text))
			}
			if keyword(t, "DATE") {
				return parseDate(s)
			}
			return parseTimestamp(s)
		}
	}
	return model.Null, p.errAt(t, "expected a literal, found "+t.describe())
}

func parseHex(s string) ([]byte, bool) {
	if len(s)%2 != 0 {
		return nil, false
	}
	out := make([]byte, len(s)/2)
	for i := range out {
		v, err := strconv.ParseUint(s[2*i:2*i+2], 16, 8)
		if err != nil {
			return nil, false
		}
		out[i] = byte(v)
	}
	return out, true
}

// number turns numeric text into an int (when it fits int64), an exact
// decimal (with a point, or too large), or a float (with an exponent).
func (p *parser) number(t token, neg bool) (model.Value, error) {
	s := t.text
	if strings.ContainsAny(s, "eE") {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsInf(f, 0) {
			return model.Null, p.errAt(t, "float literal "+s+" is out of range")
		}
		if neg {
			f = -f
		}
		return model.FloatValue(f), nil
	}
	var scale int32
	digits := s
	if dot := strings.IndexByte(s, '.'); dot >= 0 {
		digits = s[:dot] + s[dot+1:]
		if len(s)-dot-1 > math.MaxInt32/2 {
			return model.Null, p.errAt(t, "decimal literal has too many digits")
		}
		scale = int32(len(s) - dot - 1)
	}
	u, _ := new(big.Int).SetString(digits, 10)
	if neg {
		u.Neg(u)
	}
	if scale == 0 && u.IsInt64() {
		return model.IntValue(u.Int64()), nil
	}
	return model.DecimalValue(u, scale), nil
}

func parseDate(t token) (model.Value, error) {
	d, err := time.Parse("2006-01-02", strings.TrimSpace(t.text))
	if err != nil {
		return model.Null, &SyntaxError{Pos: t.pos, Msg: fmt.Sprintf("bad DATE %q: want YYYY-MM-DD", t.text)}
	}
	return model.DateValue(d.Unix() / 86400), nil
}

// Timestamp layouts: with an offset (or Z) the literal is an instant
// (model.KindTimestamp); without, a zoneless timestamp (KindTimestampNTZ).
var (
	tsZoned = []string{"2006-01-02 15:04:05.999999999Z07:00", "2006-01-02T15:04:05.999999999Z07:00",
		"2006-01-02 15:04:05.999999999 Z07:00"}
	tsLocal = []string{"2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999", "2006-01-02"}
)

func parseTimestamp(t token) (model.Value, error) {
	s := strings.TrimSpace(t.text)
	check := func(tm time.Time) (int64, error) {
		if tm.Nanosecond()%1000 != 0 {
			return 0, &SyntaxError{Pos: t.pos, Msg: fmt.Sprintf("TIMESTAMP %q is finer than microseconds", t.text)}
		}
		return tm.UnixMicro(), nil
	}
	for _, l := range tsZoned {
		if tm, err := time.Parse(l, s); err == nil {
			us, err := check(tm)
			return model.TimestampValue(us), err
		}
	}
	for _, l := range tsLocal {
		if tm, err := time.Parse(l, s); err == nil {
			us, err := check(tm)
			return model.TimestampNTZValue(us), err
		}
	}
	return model.Null, &SyntaxError{Pos: t.pos, Msg: fmt.Sprintf("bad TIMESTAMP %q: want YYYY-MM-DD HH:MM:SS[.ffffff][+HH:MM]", t.text)}
}

// parseCast parses CAST(literal AS type) (after CAST): the literal is
// converted to the named type now, so the pruner compares a typed value.
func (p *parser) parseCast(castTok token) (model.Value, error) {
	if l := p.next(); l.kind != tLParen {
		return model.Null, p.errAt(l, "expected \"(\" after CAST, found "+l.describe())
	}
	litTok := p.peek()
	v, err := p.parseLiteral()
	if err != nil {
		return model.Null, err
	}
	if a := p.next(); !keyword(a, "AS") {
		return model.Null, p.errAt(a, "expected AS in CAST, found "+a.describe())
	}
	typ := p.next()
	if typ.kind != tIdent {
		return model.Null, p.errAt(typ, "expected a type name in CAST, found "+typ.describe())
	}
	name := strings.ToUpper(typ.text)
	var prec, scale int64 = -1, 0
	if name == "DECIMAL" || name == "NUMERIC" {
		prec, scale = 10, 0
		if p.peek().kind == tLParen {
			p.next()
			n1 := p.next()
			if n1.kind != tNumber {
				return model.Null, p.errAt(n1, "expected a precision in DECIMAL(p, s)")
			}
			prec, _ = strconv.ParseInt(n1.text, 10, 32)
			if p.peek().kind == tComma {
				p.next()
				n2 := p.next()
				if n2.kind != tNumber {
					return model.Null, p.errAt(n2, "expected a scale in DECIMAL(p, s)")
				}
				scale, _ = strconv.ParseInt(n2.text, 10, 32)
			}
			if c := p.next(); c.kind != tRParen {
				return model.Null, p.errAt(c, "expected \")\" after DECIMAL(p, s)")
			}
		}
	}
	if c := p.next(); c.kind != tRParen {
		return model.Null, p.errAt(c, "expected \")\" to close CAST, found "+c.describe())
	}
	out, ok := castLiteral(v, name, int32(scale))
	if !ok || (prec >= 0 && (scale > prec || prec > 38)) {
		return model.Null, p.errAt(litTok, fmt.Sprintf("CAST of %s AS %s is not a value of that type", v, typ.text))
	}
	_ = castTok
	return out, nil
}

// castLiteral converts a literal to a SQL type by name; ok is false when
// the value is not one of that type (a cast that would fail or round).
func castLiteral(v model.Value, typ string, scale int32) (model.Value, bool) {
	if v.IsNull() {
		return v, true
	}
	text := v.Str
	if v.Kind != model.KindString {
		text = v.String()
	}
	switch typ {
	case "STRING", "VARCHAR":
		return model.StringValue(text), v.Kind == model.KindString
	case "DATE":
		if v.Kind == model.KindDate {
			return v, true
		}
		d, err := parseDate(token{text: text})
		return d, err == nil && v.Kind == model.KindString
	case "TIMESTAMP", "TIMESTAMP_NTZ":
		if v.Kind == model.KindTimestamp || v.Kind == model.KindTimestampNTZ {
			return v, typ == "TIMESTAMP" || v.Kind == model.KindTimestampNTZ
		}
		ts, err := parseTimestamp(token{text: text})
		if err != nil || v.Kind != model.KindString || (typ == "TIMESTAMP_NTZ" && ts.Kind != model.KindTimestampNTZ) {
			return model.Null, false
		}
		return ts, true
	case "BOOLEAN":
		switch strings.ToLower(strings.TrimSpace(text)) {
		case "true":
			return model.BoolValue(true), true
		case "false":
			return model.BoolValue(false), true
		}
		return v, v.Kind == model.KindBool
	case "TINYINT", "SMALLINT", "INT", "INTEGER", "BIGINT", "LONG", "BYTE", "SHORT":
		if v.Kind == model.KindInt {
			return v, true
		}
		n, err := strconv.ParseInt(strings.TrimSpace(text), 10, 64)
		return model.IntValue(n), err == nil && v.Kind == model.KindString
	case "DOUBLE", "FLOAT", "REAL":
		var f float64
		var err error
		switch v.Kind {
		case model.KindFloat:
			f = v.Float
		case model.KindInt, model.KindDecimal, model.KindString:
			f, err = strconv.ParseFloat(strings.TrimSpace(text), 64)
		default:
			return model.Null, false
		}
		if err != nil {
			return model.Null, false
		}
		if typ != "DOUBLE" {
			f = float64(float32(f))
		}
		return model.FloatValue(f), true
	case "DECIMAL", "NUMERIC":
		var r *big.Rat
		switch v.Kind {
		case model.KindInt, model.KindDecimal:
			r, _ = v.Rat()
		case model.KindString:
			var ok bool
			r, ok = new(big.Rat).SetString(strings.TrimSpace(text))
			if !ok {
				return model.Null, false
			}
		default:
			return model.Null, false
		}
		pow := new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale)), nil))
		x := new(big.Rat).Mul(r, pow)
		if !x.IsInt() {
			return model.Null, false // would round: refuse rather than guess the rounding
		}
		return model.DecimalValue(x.Num(), scale), true
	}
	return model.Null, false
}
