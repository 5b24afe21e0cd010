package strictjson_test

import (
	"fmt"

	"github.com/deltaplan/deltaplan/internal/strictjson"
)

func ExampleDecode() {
	var wf struct {
		Views map[string]struct {
			Plan string `json:"plan"`
		} `json:"views"`
	}
	doc := "{\"views\": {\n  \"v\": {\"plan\": \"p.json\", \"plna\": \"x\"}}}"
	fmt.Println(strictjson.Decode([]byte(doc), &wf, true))
	// Output:
	// line 2, column 27: unknown field "plna" in $.views.v
}
