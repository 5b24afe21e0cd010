package kernel

import (
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"
)

// scanner is a small JSON reader for the graph format. encoding/json spends
// most of a `deltaplan dag` run on reflection over ten thousand tiny edge
// arrays; this reads the same documents directly. Strings with escapes or
// unusual bytes are handed to encoding/json, so decoding agrees with it (a
// fuzz test checks the two against each other).
type scanner struct {
	data []byte
	i    int
}

var errEOF = errors.New("unexpected end of input")

func (s *scanner) ws() {
	for s.i < len(s.data) {
		switch s.data[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// peek skips whitespace and returns the next byte (0 at the end).
func (s *scanner) peek() byte {
	s.ws()
	if s.i >= len(s.data) {
		return 0
	}
	return s.data[s.i]
}

func (s *scanner) expect(c byte) error {
	if got := s.peek(); got != c {
		if got == 0 {
			return fmt.Errorf("offset %d: want %q: %w", s.i, c, errEOF)
		}
		return fmt.Errorf("offset %d: want %q, got %q", s.i, c, got)
	}
	s.i++
	return nil
}

// str reads a string literal.
func (s *scanner) str() (string, error) {
	if err := s.expect('"'); err != nil {
		return "", err
	}
	start := s.i - 1
	simple := true
	for s.i < len(s.data) {
		c := s.data[s.i]
		switch {
		case c == '"':
			s.i++
			if simple {
				return string(s.data[start+1 : s.i-1]), nil
			}
			var out string
			if err := json.Unmarshal(s.data[start:s.i], &out); err != nil {
				return "", fmt.Errorf("offset %d: %v", start, err)
			}
			return out, nil
		case c == '\\':
			simple = false
			s.i += 2
		case c < 0x20 || c >= utf8.RuneSelf:
			simple = false // control bytes are errors, non-ASCII is checked
			s.i++
		default:
			s.i++
		}
	}
	return "", fmt.Errorf("offset %d: string: %w", start, errEOF)
}

// value skips any JSON value and returns its bytes.
func (s *scanner) value() ([]byte, error) {
	s.ws()
	start := s.i
	switch s.peek() {
	case 0:
		return nil, fmt.Errorf("offset %d: value: %w", s.i, errEOF)
	case '"':
		if _, err := s.str(); err != nil {
			return nil, err
		}
	case '{', '[':
		open := s.data[s.i]
		close := byte('}')
		if open == '[' {
			close = ']'
		}
		s.i++
		if s.peek() == close {
			s.i++
			break
		}
		for {
			if open == '{' {
				if _, err := s.str(); err != nil {
					return nil, err
				}
				if err := s.expect(':'); err != nil {
					return nil, err
				}
			}
			if _, err := s.value(); err != nil {
				return nil, err
			}
			if s.peek() == ',' {
				s.i++
				continue
			}
			if err := s.expect(close); err != nil {
				return nil, err
			}
			break
		}
	default:
		// Numbers and literals: take the run of their characters and let
		// encoding/json validate it.
		for s.i < len(s.data) && isScalarByte(s.data[s.i]) {
			s.i++
		}
		if !json.Valid(s.data[start:s.i]) {
			return nil, fmt.Errorf("offset %d: invalid value %q", start, s.data[start:s.i])
		}
	}
	return s.data[start:s.i], nil
}

func isScalarByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c == '-' || c == '+' || c == '.' || c == 'E'
}

// list reads a JSON array, calling item for each element; null is an
// empty list.
func (s *scanner) list(item func(i int) error) error {
	if s.peek() == 'n' {
		v, err := s.value()
		if err != nil || string(v) != "null" {
			return fmt.Errorf("offset %d: want a list", s.i)
		}
		return nil
	}
	if err := s.expect('['); err != nil {
		return err
	}
	if s.peek() == ']' {
		s.i++
		return nil
	}
	for i := 0; ; i++ {
		if err := item(i); err != nil {
			return err
		}
		if s.peek() == ',' {
			s.i++
			continue
		}
		return s.expect(']')
	}
}

// scanGraph reads {"nodes": [...], "edges": [...]}; other keys are skipped.
func scanGraph(data []byte) (nodes []string, edges []Edge, err error) {
	s := &scanner{data: data}
	if err := s.expect('{'); err != nil {
		return nil, nil, err
	}
	seenNodes := false
	if s.peek() == '}' {
		s.i++
	} else {
		for {
			key, err := s.str()
			if err != nil {
				return nil, nil, err
			}
			if err := s.expect(':'); err != nil {
				return nil, nil, err
			}
			switch key {
			case "nodes":
				seenNodes = s.peek() != 'n' // null counts as missing
				nodes = nodes[:0]
				err = s.list(func(i int) error {
					name, err := s.str()
					if err != nil {
						return fmt.Errorf("node %d: %w", i, err)
					}
					nodes = append(nodes, name)
					return nil
				})
			case "edges":
				edges = edges[:0]
				err = s.list(func(i int) error {
					e, err := s.edge()
					if err != nil {
						return fmt.Errorf("edge %d: %w", i, err)
					}
					edges = append(edges, e)
					return nil
				})
			default:
				_, err = s.value()
			}
			if err != nil {
				return nil, nil, err
			}
			if s.peek() == ',' {
				s.i++
				continue
			}
			if err := s.expect('}'); err != nil {
				return nil, nil, err
			}
			break
		}
	}
	if s.peek() != 0 {
		return nil, nil, fmt.Errorf("offset %d: data after the graph object", s.i)
	}
	if !seenNodes {
		return nil, nil, errors.New(`missing "nodes" list`)
	}
	return nodes, edges, nil
}

// edge reads [from, to] or [from, to, weight].
func (s *scanner) edge() (Edge, error) {
	e := Edge{Weight: DefaultWeight}
	if err := s.expect('['); err != nil {
		return e, fmt.Errorf("want [from, to, weight?]: %w", err)
	}
	var err error
	if s.peek() != '"' {
		return e, fmt.Errorf("offset %d: from is not a string", s.i)
	}
	if e.From, err = s.str(); err != nil {
		return e, err
	}
	if err := s.expect(','); err != nil {
		return e, fmt.Errorf("want [from, to, weight?]: %w", err)
	}
	if s.peek() != '"' {
		return e, fmt.Errorf("offset %d: to is not a string", s.i)
	}
	if e.To, err = s.str(); err != nil {
		return e, err
	}
	if s.peek() == ',' {
		s.i++
		v, err := s.value()
		if err != nil {
			return e, err
		}
		if e.Weight, err = parseWeight(v); err != nil {
			return e, err
		}
	}
	if err := s.expect(']'); err != nil {
		return e, fmt.Errorf("want [from, to, weight?]: %w", err)
	}
	return e, nil
}
