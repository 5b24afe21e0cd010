package session

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"unicode/utf8"

	"github.com/deltaplan/deltaplan/internal/strictjson"
)

// Load reads and parses a session file.
func Load(ctx context.Context, path string) (*Runtime, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read session %s: %w", path, err)
	}
	return Parse(data, path)
}

// Empty returns the empty session (what an absent session file means).
func Empty() *Runtime {
	r, _ := build("session", nil, nil, nil, nil)
	return r
}

// Parse parses a session file (name is used in errors):
//
//	{"settings": {str: str}, "udfs": [{"name": str, "signature": str,
//	 "implementation_digest": str}], "rewrite_tags": [str], "planners": [str]}
//
// Every field may be absent or null (meaning empty). Duplicate keys in any
// object, unknown fields, non-string values, invalid UTF-8 and trailing
// data are errors: a session file has exactly one meaning.
func Parse(data []byte, name string) (*Runtime, error) {
	if !utf8.Valid(data) {
		return nil, fmt.Errorf("%s: %w: not valid UTF-8", name, ErrSyntax)
	}
	p := &parser{dec: json.NewDecoder(bytes.NewReader(data)), name: name}
	var (
		settings       []Setting
		udfs           []UDF
		tags, planners []string
	)
	err := p.object("", func(key string) error {
		var err error
		switch key {
		case "settings":
			settings, err = p.settings()
		case "udfs":
			udfs, err = p.udfs()
		case "rewrite_tags":
			tags, err = p.strings(key)
		case "planners":
			planners, err = p.strings(key)
		default:
			return fmt.Errorf("%w %q at top level (want settings, udfs, rewrite_tags, planners)", ErrUnknownField, key)
		}
		return err
	})
	if err == nil {
		if _, terr := p.dec.Token(); terr != io.EOF {
			err = fmt.Errorf("%w: data after the session object", ErrSyntax)
		}
	}
	if err != nil {
		// The decoder stands just past the token that was refused.
		return nil, fmt.Errorf("%s: %w", name, strictjson.At(data, p.dec.InputOffset(), err))
	}
	return build(name, settings, udfs, tags, planners)
}

type parser struct {
	dec  *json.Decoder
	name string
}

func (p *parser) token(what string) (json.Token, error) {
	t, err := p.dec.Token()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%w: unexpected end of input in %s", ErrSyntax, what)
		}
		return nil, fmt.Errorf("%w: %s: %v", ErrSyntax, what, err)
	}
	return t, nil
}

// object reads an object (or null, except at top level) and calls field for each
// key, with the decoder positioned at the value. Repeated keys are errors.
func (p *parser) object(what string, field func(key string) error) error {
	where := what
	if where == "" {
		where = "session"
	}
	t, err := p.token(where)
	if err != nil {
		return err
	}
	if t == nil && what != "" {
		return nil // null: absent
	}
	if d, ok := t.(json.Delim); !ok || d != '{' {
		return fmt.Errorf("%w: %s must be an object, got %v", ErrSyntax, where, describe(t))
	}
	seen := map[string]bool{}
	for p.dec.More() {
		t, err := p.token(where)
		if err != nil {
			return err
		}
		key, _ := t.(string) // the decoder only yields string keys here
		if seen[key] {
			return fmt.Errorf("%w %q in %s", ErrDuplicateKey, key, where)
		}
		seen[key] = true
		if err := field(key); err != nil {
			return err
		}
	}
	_, err = p.token(where) // the closing brace
	return err
}

func (p *parser) str(what string) (string, error) {
	t, err := p.token(what)
	if err != nil {
		return "", err
	}
	s, ok := t.(string)
	if !ok {
		return "", fmt.Errorf("%w: %s must be a string, got %v", ErrSyntax, what, describe(t))
	}
	return s, nil
}

// array reads an array (or null) and calls elem for each element.
func (p *parser) array(what string, elem func(i int) error) error {
	t, err := p.token(what)
	if err != nil {
		return err
	}
	if t == nil {
		return nil
	}
	if d, ok := t.(json.Delim); !ok || d != '[' {
		return fmt.Errorf("%w: %s must be an array, got %v", ErrSyntax, what, describe(t))
	}
	for i := 0; p.dec.More(); i++ {
		if err := elem(i); err != nil {
			return err
		}
	}
	_, err = p.token(what)
	return err
}

func (p *parser) settings() ([]Setting, error) {
	out := []Setting{}
	err := p.object("settings", func(key string) error {
		v, err := p.str(fmt.Sprintf("settings[%q]", key))
		out = append(out, Setting{key, v})
		return err
	})
	return out, err
}

func (p *parser) strings(field string) ([]string, error) {
	out := []string{}
	err := p.array(field, func(i int) error {
		s, err := p.str(fmt.Sprintf("%s[%d]", field, i))
		out = append(out, s)
		return err
	})
	return out, err
}

func (p *parser) udfs() ([]UDF, error) {
	out := []UDF{}
	err := p.array("udfs", func(i int) error {
		var u UDF
		what := fmt.Sprintf("udfs[%d]", i)
		err := p.object(what, func(key string) error {
			var dst *string
			switch key {
			case "name":
				dst = &u.Name
			case "signature":
				dst = &u.Signature
			case "implementation_digest":
				dst = &u.ImplementationDigest
			default:
				return fmt.Errorf("%w %q in %s (want name, signature, implementation_digest)", ErrUnknownField, key, what)
			}
			var err error
			*dst, err = p.str(what + "." + key)
			return err
		})
		if err != nil {
			return err
		}
		out = append(out, u)
		return nil
	})
	return out, err
}

func describe(t json.Token) string {
	switch v := t.(type) {
	case nil:
		return "null"
	case json.Delim:
		return string(v)
	case string:
		return fmt.Sprintf("string %q", v)
	case float64:
		return fmt.Sprintf("number %v", v)
	case bool:
		return fmt.Sprintf("bool %v", v)
	}
	return fmt.Sprintf("%v", t)
}
