// Package strictjson finds what encoding/json accepts silently: an object
// key given twice (encoding/json keeps the last one). Files that people edit
// by hand (workflows, results) are checked with it before decoding, so a
// repeated key is an error rather than a lost value.
package strictjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Duplicates walks data's token stream and reports the first object key
// that appears twice in one object, with the object's path ("duplicate key
// "a" in $.views.x"), or the syntax error that stopped the walk. It returns
// nil for a document without repeated keys; a document cut short may pass
// (the decoder that follows reports it).
func Duplicates(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	// frame is one open object or array: its path, the keys seen so far and
	// the key whose value comes next (objects), or the next index (arrays).
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
			return err
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
					return fmt.Errorf("duplicate key %q in %s", key, top.path)
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
