package workflow

import (
	"fmt"

	"github.com/deltaplan/deltaplan/internal/strictjson"
)

// decodeStrict decodes one JSON document into v, rejecting duplicate object
// keys (encoding/json keeps the last one silently), trailing data and, when
// known is true, fields v does not declare. Errors wrap ErrFormat and say
// where the problem is (line and column).
func decodeStrict(data []byte, v any, known bool) error {
	if err := strictjson.Decode(data, v, known); err != nil {
		return fmt.Errorf("%w: %w", ErrFormat, err)
	}
	return nil
}
