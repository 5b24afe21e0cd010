package strictjson

import (
	"strings"
	"testing"
)

func TestDuplicates(t *testing.T) {
	cases := []struct{ doc, want string }{
		{`{"a": 1, "b": {"a": 2}}`, ""},
		{`{"a": 1, "a": 2}`, `duplicate key "a" in $`},
		{`{"v": {"x": {"p": 1, "p": 2}}}`, `duplicate key "p" in $.v.x`},
		{`{"t": [{"n": 1}, {"n": 1, "n": 2}]}`, `duplicate key "n" in $.t[1]`},
		{`[1, 2, {"k": [], "k": {}}]`, `duplicate key "k" in $[2]`},
		{`{"a" 1}`, "invalid character"},
	}
	for _, c := range cases {
		err := Duplicates([]byte(c.doc))
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.doc, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: got %v, want %q", c.doc, err, c.want)
		}
	}
}

func FuzzDuplicates(f *testing.F) {
	f.Add([]byte(`{"a": [1, {"b": 2}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		_ = Duplicates(data) // must not panic on any input
	})
}
