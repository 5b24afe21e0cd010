package strictjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
)

// decodeStd is encoding/json alone, strict about unknown fields and
// trailing data: the independent answer the tests compare with.
func decodeStd(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("trailing")
	}
	return nil
}
