// Package strictjson decodes the JSON files people edit by hand (workflows,
// sessions, run results) strictly, and says where a problem is: every error
// carries the line and column of the offending token. It finds what
// encoding/json accepts silently (an object key given twice: encoding/json
// keeps the last one) and locates what it reports without a position (an
// unknown field).
package strictjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"unicode/utf8"
)

// Error is a problem at a place in the document. Line and Column count
// from 1; Column counts characters (UTF-8 runes), not bytes.
type Error struct {
	Line, Column int
	Err          error
}

func (e *Error) Error() string { return fmt.Sprintf("line %d, column %d: %v", e.Line, e.Column, e.Err) }
func (e *Error) Unwrap() error { return e.Err }

// Position converts a byte offset into data into a line and column.
// Offsets past the end are clamped to it.
func Position(data []byte, offset int64) (line, column int) {
	if offset < 0 {
		offset = 0
	}
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	before := data[:offset]
	line = bytes.Count(before, []byte{'\n'}) + 1
	start := bytes.LastIndexByte(before, '\n') + 1
	return line, utf8.RuneCount(before[start:]) + 1
}

// At wraps err with the position of byte offset off in data (nil stays nil;
// an error already located is returned as is).
func At(data []byte, off int64, err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	l, c := Position(data, off)
	return &Error{Line: l, Column: c, Err: err}
}

// Locate adds a position to the errors of encoding/json that know their
// offset (syntax and type errors); others are returned unchanged.
func Locate(data []byte, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		// The offset is just past the byte that failed.
		return At(data, max(se.Offset-1, 0), err)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		off := te.Offset
		if off > 0 {
			off = valueStart(data, off)
		}
		return At(data, off, err)
	}
	return err
}

// valueStart steps back from the end of a value (where encoding/json's
// type errors point) to its first byte, for scalars: enough to put the
// column on the value rather than after it.
func valueStart(data []byte, end int64) int64 {
	if end > int64(len(data)) {
		end = int64(len(data))
	}
	i := end - 1
	if i >= 0 && data[i] == '"' {
		for i--; i >= 0; i-- {
			if data[i] == '"' && !escaped(data, i) {
				return i
			}
		}
		return 0
	}
	for i >= 0 && !strings.ContainsRune(" \t\r\n:,[{", rune(data[i])) {
		i--
	}
	return i + 1
}

// escaped reports whether data[i] is preceded by an odd number of
// backslashes.
func escaped(data []byte, i int64) bool {
	n := 0
	for j := i - 1; j >= 0 && data[j] == '\\'; j-- {
		n++
	}
	return n%2 == 1
}

// keyStart finds the opening quote of the object key ending just before
// off (the decoder's offset after yielding a key).
func keyStart(data []byte, off int64) int64 {
	i := off - 1
	for i >= 0 && data[i] != '"' {
		i--
	}
	for i--; i >= 0; i-- {
		if data[i] == '"' && !escaped(data, i) {
			return i
		}
	}
	return 0
}

// Duplicates walks data's token stream and reports the first object key
// that appears twice in one object, with the object's path and the
// position of the second occurrence (`line 3, column 5: duplicate key "a"
// in $.views.x`), or the syntax error that stopped the walk, located. It
// returns nil for a document without repeated keys; a document cut short
// may pass (the decoder that follows reports it).
func Duplicates(data []byte) error {
	return walk(data, nil)
}

// Unknown reports the first object key that a value of type t would not
// use (encoding/json with DisallowUnknownFields refuses it, without saying
// where), located. Struct fields match by their json name, ignoring case,
// as encoding/json does; values of types with their own UnmarshalJSON and
// of interface types are not looked into.
func Unknown(data []byte, t reflect.Type) error {
	return walk(data, t)
}

// Decode decodes exactly one JSON document into v, rejecting duplicate
// keys, trailing data and, when known is true, fields v does not declare.
// Every error says where (line and column).
func Decode(data []byte, v any, known bool) error {
	if err := Duplicates(data); err != nil {
		return err
	}
	if known {
		if err := Unknown(data, reflect.TypeOf(v)); err != nil {
			return err
		}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if known {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return At(data, int64(len(data)), errors.New("empty document"))
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return At(data, int64(len(data)), err)
		}
		return Locate(data, err)
	}
	off := dec.InputOffset()
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		rest := bytes.TrimLeft(data[off:], " \t\r\n")
		return At(data, int64(len(data)-len(rest)), errors.New("trailing data after the JSON document"))
	}
	return nil
}

var unmarshalerType = reflect.TypeOf((*json.Unmarshaler)(nil)).Elem()

// frame is one open object or array of the walk: its path, the keys seen
// so far, the key whose value comes next (objects) or the next index
// (arrays), and the Go type its values decode into (nil: unchecked).
type frame struct {
	object  bool
	keys    map[string]bool
	path    string
	key     string
	wantKey bool
	index   int
	typ     reflect.Type // the container's own type (struct, map, slice)
	next    reflect.Type // the type of the value about to be read
}

// walk checks for repeated keys and, when t is not nil, for keys a value
// of type t does not use.
func walk(data []byte, t reflect.Type) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var stack []*frame
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			// Token's syntax offsets point at the failing token itself,
			// not past it as Decode's do.
			var se *json.SyntaxError
			if errors.As(err, &se) {
				return At(data, se.Offset, err)
			}
			return Locate(data, err)
		}
		path, typ := "$", t
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
				at := keyStart(data, dec.InputOffset())
				if top.keys[key] {
					return At(data, at, fmt.Errorf("duplicate key %q in %s", key, top.path))
				}
				top.keys[key], top.key, top.wantKey = true, key, false
				next, ok := member(top.typ, key)
				if !ok {
					return At(data, at, fmt.Errorf("unknown field %q in %s", key, top.path))
				}
				top.next = next
				continue
			case top.object:
				path, top.wantKey, typ = top.path+"."+top.key, true, top.next
			default:
				path, typ = fmt.Sprintf("%s[%d]", top.path, top.index), elem(top.typ)
				top.index++
			}
		}
		if d, ok := tok.(json.Delim); ok {
			stack = append(stack, &frame{object: d == '{', keys: map[string]bool{}, path: path, wantKey: true, typ: checked(typ)})
		}
	}
}

// checked returns the type whose keys are checked (pointers removed), or
// nil when its content is not checked.
func checked(t reflect.Type) reflect.Type {
	for t != nil {
		if t.Implements(unmarshalerType) || reflect.PointerTo(t).Implements(unmarshalerType) {
			return nil
		}
		switch t.Kind() {
		case reflect.Pointer:
			t = t.Elem()
		case reflect.Struct, reflect.Map, reflect.Slice, reflect.Array:
			return t
		default:
			return nil
		}
	}
	return nil
}

// elem is the type of an array's elements (nil: unchecked).
func elem(t reflect.Type) reflect.Type {
	if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
		return t.Elem()
	}
	return nil
}

// member returns the type of key's value in a value of type t, and false
// when t is a struct without such a field.
func member(t reflect.Type, key string) (reflect.Type, bool) {
	if t == nil {
		return nil, true
	}
	switch t.Kind() {
	case reflect.Map:
		return t.Elem(), true
	case reflect.Struct:
		if ft, ok := field(t, key); ok {
			return ft, true
		}
		return nil, false
	}
	return nil, true
}

// field finds a struct field by its json name: exact match first, then
// case-insensitive (encoding/json's rule), through embedded structs.
func field(t reflect.Type, key string) (reflect.Type, bool) {
	var fold reflect.Type
	found := false
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			et := f.Type
			if et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			if et.Kind() == reflect.Struct {
				if ft, ok := field(et, key); ok {
					if !found {
						fold, found = ft, true
					}
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if name == key {
			return f.Type, true
		}
		if !found && strings.EqualFold(name, key) {
			fold, found = f.Type, true
		}
	}
	return fold, found
}

// Find returns the byte offset of the value at path in data: object keys
// (string) and array indices (int), e.g. Find(data, "tasks", 2). ok is
// false when data does not hold that path (or is not valid JSON up to it).
// Callers use it with At to locate problems found after decoding.
func Find(data []byte, path ...any) (offset int64, ok bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	depth := 0 // how many path elements the current position matches
	for {
		if depth == len(path) {
			// The next token starts the value: skip blanks, commas and colons.
			off := dec.InputOffset()
			for off < int64(len(data)) && strings.ContainsRune(" \t\r\n,:", rune(data[off])) {
				off++
			}
			return off, off < int64(len(data))
		}
		tok, err := dec.Token()
		if err != nil {
			return 0, false
		}
		switch want := path[depth].(type) {
		case string:
			if d, isDelim := tok.(json.Delim); !isDelim || d != '{' {
				return 0, false
			}
			found := false
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return 0, false
				}
				if k == want {
					found = true
					break
				}
				if err := skip(dec); err != nil {
					return 0, false
				}
			}
			if !found {
				return 0, false
			}
		case int:
			if d, isDelim := tok.(json.Delim); !isDelim || d != '[' {
				return 0, false
			}
			for i := 0; i < want; i++ {
				if !dec.More() {
					return 0, false
				}
				if err := skip(dec); err != nil {
					return 0, false
				}
			}
			if !dec.More() {
				return 0, false
			}
		default:
			return 0, false
		}
		depth++
	}
}

// skip reads one whole value from dec.
func skip(dec *json.Decoder) error {
	var raw json.RawMessage
	return dec.Decode(&raw)
}
