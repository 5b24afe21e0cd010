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
	enc, err := json.Marshal(udfs)
	if err != nil {
		return nil, err
	}
	b.Write(enc)
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
	enc, _ := json.Marshal(s) // a string always marshals
	b.Write(enc)
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
