package session

import (
	"bytes"
	"encoding/json"
)

// MarshalJSON writes the normalized snapshot in the session file format:
// settings by key, UDFs by (name, signature), tags and planners sorted,
// empty collections as {} / []. Parse of the output gives an equal Runtime,
// so the bundle's "session" field can be fed back as a session file.
func (r *Runtime) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(`{"settings":{`)
	for i, s := range r.settings {
		if i > 0 {
			b.WriteByte(',')
		}
		writeJSONString(&b, s.Key)
		b.WriteByte(':')
		writeJSONString(&b, s.Value)
	}
	b.WriteString(`},"udfs":`)
	udfs := r.udfs
	if udfs == nil {
		udfs = []UDF{}
	}
	if err := marshalTo(&b, udfs); err != nil {
		return nil, err
	}
	b.WriteString(`,"rewrite_tags":`)
	writeStrings(&b, r.tags)
	b.WriteString(`,"planners":`)
	writeStrings(&b, r.planners)
	b.WriteByte('}')
	return b.Bytes(), nil
}

// UnmarshalJSON parses the session file format strictly (see Parse).
func (r *Runtime) UnmarshalJSON(data []byte) error {
	p, err := Parse(data, "session")
	if err != nil {
		return err
	}
	*r = *p
	return nil
}

func writeJSONString(b *bytes.Buffer, s string) {
	_ = marshalTo(b, s) // a string always marshals
}

// marshalTo appends v as compact JSON without HTML escaping, so a signature
// such as "(x) -> y" stays readable in bundles.
func marshalTo(b *bytes.Buffer, v any) error {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	b.Truncate(b.Len() - 1) // Encode appends a newline
	return nil
}

func writeStrings(b *bytes.Buffer, ss []string) {
	b.WriteByte('[')
	for i, s := range ss {
		if i > 0 {
			b.WriteByte(',')
		}
		writeJSONString(b, s)
	}
	b.WriteByte(']')
}
