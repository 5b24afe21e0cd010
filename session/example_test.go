package session_test

import (
	"encoding/json"
	"fmt"

	"github.com/deltaplan/deltaplan/session"
)

func ExampleParse() {
	r, err := session.Parse([]byte(`{
		"settings": {"tz": "UTC", "ansi": "true"},
		"udfs": [{"name": "clamp", "signature": "i64", "implementation_digest": "sha256:ab"}],
		"rewrite_tags": ["pushdown", "folding", "pushdown"]
	}`), "session.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	js, _ := json.Marshal(r)
	fmt.Println(string(js))

	_, err = session.Parse([]byte(`{"settings": {"tz": "UTC", "tz": "CET"}}`), "dup.json")
	fmt.Println(err)
	// Output:
	// {"settings":{"ansi":"true","tz":"UTC"},"udfs":[{"name":"clamp","signature":"i64","implementation_digest":"sha256:ab"}],"rewrite_tags":["folding","pushdown"],"planners":[]}
	// dup.json: line 1, column 32: session: duplicate key "tz" in settings
}

func ExampleDiff() {
	a, _ := session.New(session.Spec{Settings: map[string]string{"tz": "UTC"}})
	b, _ := session.New(session.Spec{Settings: map[string]string{"tz": "CET"}, RewriteTags: []string{"pushdown"}})
	for _, c := range session.Diff(a, b) {
		fmt.Println(c)
	}
	// Output:
	// rewrite_tag pushdown: (absent) -> pushdown
	// setting tz: UTC -> CET
}
