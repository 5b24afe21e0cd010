package delta

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// parseFileAction is the fast path for the two actions that make up almost
// every commit line: a line holding only an add or a remove. It reads the
// fields the replay needs straight from the text (the stats string stays a
// string for the stats scanner). ok is false whenever the line is anything
// else or anything unusual (a deletion vector, a case-variant key, a
// non-integer size, bad syntax): the caller then decodes the line with
// encoding/json, which also produces the error for bad input.
func parseFileAction(line string) (a action, ok bool) {
	if !utf8.ValidString(line) {
		return a, false // encoding/json substitutes U+FFFD; let it
	}
	sc := statsScanner{s: line}
	sc.ws()
	if !sc.consume('{') {
		return a, false
	}
	sc.ws()
	key, ok := sc.str()
	if !ok || (key != "add" && key != "remove") {
		return a, false
	}
	sc.ws()
	if !sc.consume(':') {
		return a, false
	}
	sc.ws()
	var path string
	var size, mod int64
	var stats *string
	var statsEscaped string
	pv := map[string]*string{}
	if !sc.consume('{') {
		return a, false
	}
	sc.ws()
	if !sc.consume('}') {
		for {
			k, ok := sc.str()
			if !ok {
				return a, false
			}
			sc.ws()
			if !sc.consume(':') {
				return a, false
			}
			sc.ws()
			switch k {
			case "path":
				if path, ok = sc.str(); !ok {
					return a, false
				}
				path = strings.Clone(path) // do not pin the commit text
			case "size", "modificationTime":
				tok, ok := sc.number()
				if !ok {
					return a, false
				}
				n, err := strconv.ParseInt(tok, 10, 64)
				if err != nil {
					return a, false
				}
				if k == "size" {
					size = n
				} else {
					mod = n
				}
			case "stats":
				if sc.lit("null") {
					stats = nil
					break
				}
				s, ok := sc.rawStr()
				if !ok {
					return a, false
				}
				if s == "" {
					stats, statsEscaped = &s, ""
				} else {
					stats, statsEscaped = nil, s
				}
			case "partitionValues":
				if !sc.partitionMap(pv) {
					return a, false
				}
			case "deletionVector":
				if !sc.lit("null") {
					return a, false // rare: let encoding/json decode it
				}
			default:
				for _, known := range [...]string{"path", "size", "modificationTime", "stats", "partitionValues", "deletionVector"} {
					if strings.EqualFold(k, known) {
						return a, false // encoding/json would match it
					}
				}
				if sc.skip() != nil {
					return a, false
				}
			}
			sc.ws()
			if sc.consume(',') {
				sc.ws()
				continue
			}
			if sc.consume('}') {
				break
			}
			return a, false
		}
	}
	sc.ws()
	if !sc.consume('}') || sc.end() != nil {
		return a, false
	}
	if key == "add" {
		a.Add = &addAction{Path: path, PartitionValues: pv, Size: size, ModificationTime: mod, Stats: stats, statsEscaped: statsEscaped}
	} else {
		a.Remove = &removeAction{Path: path}
	}
	return a, true
}

// partitionMap reads {"k": "v" | null, ...} into m.
func (sc *statsScanner) partitionMap(m map[string]*string) bool {
	if sc.lit("null") {
		return true
	}
	if !sc.consume('{') {
		return false
	}
	sc.ws()
	if sc.consume('}') {
		return true
	}
	for {
		k, ok := sc.str()
		if !ok {
			return false
		}
		sc.ws()
		if !sc.consume(':') {
			return false
		}
		sc.ws()
		k = strings.Clone(k)
		if sc.lit("null") {
			m[k] = nil
		} else {
			v, ok := sc.str()
			if !ok {
				return false
			}
			v = strings.Clone(v)
			m[k] = &v
		}
		sc.ws()
		if sc.consume(',') {
			sc.ws()
			continue
		}
		return sc.consume('}')
	}
}

// rawStr reads a JSON string and returns its text between the quotes with
// the escapes kept (checked for well-formedness only).
func (sc *statsScanner) rawStr() (string, bool) {
	if !sc.consume('"') {
		return "", false
	}
	start := sc.i
	for sc.i < len(sc.s) {
		switch c := sc.s[sc.i]; {
		case c == '"':
			out := sc.s[start:sc.i]
			sc.i++
			return out, true
		case c == '\\':
			if sc.i+1 >= len(sc.s) {
				return "", false
			}
			switch sc.s[sc.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				sc.i += 2
			case 'u':
				if sc.i+6 > len(sc.s) {
					return "", false
				}
				if _, err := strconv.ParseUint(sc.s[sc.i+2:sc.i+6], 16, 32); err != nil {
					return "", false
				}
				sc.i += 6
			default:
				return "", false
			}
		case c < 0x20:
			return "", false
		default:
			sc.i++
		}
	}
	return "", false
}

// unescapeInto decodes the escaped content of a JSON string (as rawStr
// returns it) into dst[:0], as encoding/json would.
func unescapeInto(dst []byte, raw string) ([]byte, bool) {
	dst = dst[:0]
	sc := statsScanner{s: `"` + raw + `"`}
	if !strings.Contains(raw, "\\") {
		return append(dst, raw...), true
	}
	s, ok := sc.str()
	if !ok {
		return dst, false
	}
	return append(dst, s...), true
}
