package workflow

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/deltaplan/deltaplan/internal/strictjson"
)

// decodeStrict decodes one JSON document into v, rejecting duplicate object
// keys (encoding/json keeps the last one silently), trailing data and, when
// known is true, fields v does not declare. Errors wrap ErrFormat and say
// where the problem is.
func decodeStrict(data []byte, v any, known bool) error {
	if err := strictjson.Duplicates(data); err != nil {
		return fmt.Errorf("%w: %w", ErrFormat, err)
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
