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
// that appears twice in one object, with the object's path ($.views.a).
func checkDuplicates(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	// frame is one open object or array: its path, the keys seen so far
	// and the key whose value comes next (objects), or the next index
	// (arrays).
	type frame struct {
		object  bool
		keys    map[string]bool
		path    string
		key     string
		wantKey bool
		index   int
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%w: %w", ErrFormat, err)
		}
		path := "$"
		if len(stack) > 0 {
			top := stack[len(stack)-1]
			if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
				stack = stack[:len(stack)-1]
				continue
			}
			switch {
			case top.object && top.wantKey:
				// Inside an object the decoder yields a string key, then
				// its value.
				key := tok.(string)
				if top.keys[key] {
					return fmt.Errorf("%w: duplicate key %q in %s", ErrFormat, key, top.path)
				}
				top.keys[key], top.key, top.wantKey = true, key, false
				continue
			case top.object:
				path, top.wantKey = top.path+"."+top.key, true
			default:
				path = fmt.Sprintf("%s[%d]", top.path, top.index)
				top.index++
			}
		}
		if d, ok := tok.(json.Delim); ok {
			stack = append(stack, &frame{object: d == '{', keys: map[string]bool{}, path: path, wantKey: true})
		}
	}
}
