package workflow

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// decodeStrict decodes one JSON document into v, rejecting duplicate object
// keys (encoding/json keeps the last one silently), trailing data and, when
// known is true, fields v does not declare. Errors wrap ErrFormat and say
// where the problem is.
func decodeStrict(data []byte, v any, known bool) error {
	if err := checkDuplicates(data); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if known {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: %w", ErrFormat, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fmt.Errorf("%w: trailing data after the JSON document", ErrFormat)
	}
	return nil
}

// checkDuplicates walks the token stream and reports the first object key
// that appears twice in one object, with its path.
func checkDuplicates(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	type frame struct {
		object  bool
		keys    map[string]bool
		path    string
		wantKey bool
		index   int
	}
	var stack []*frame
	path := func() string {
		if len(stack) == 0 {
			return "$"
		}
		return stack[len(stack)-1].path
	}
	// child computes the path of the value about to be read in the top frame.
	var pending string
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%w: %w", ErrFormat, err)
		}
		if len(stack) > 0 {
			top := stack[len(stack)-1]
			if top.object && top.wantKey {
				if d, ok := tok.(json.Delim); ok && d == '}' {
					stack = stack[:len(stack)-1]
					continue
				}
				key := tok.(string) // the decoder only yields strings here
				if top.keys[key] {
					return fmt.Errorf("%w: duplicate key %q in %s", ErrFormat, key, top.path)
				}
				top.keys[key] = true
				top.wantKey = false
				pending = fmt.Sprintf("%s.%s", top.path, key)
				continue
			}
			if top.object {
				top.wantKey = true
			} else {
				if d, ok := tok.(json.Delim); ok && d == ']' {
					stack = stack[:len(stack)-1]
					continue
				}
				pending = fmt.Sprintf("%s[%d]", top.path, top.index)
				top.index++
			}
		} else {
			pending = path()
		}
		if d, ok := tok.(json.Delim); ok {
			switch d {
			case '{':
				stack = append(stack, &frame{object: true, keys: map[string]bool{}, path: pending, wantKey: true})
			case '[':
				stack = append(stack, &frame{path: pending})
			}
		}
	}
}
