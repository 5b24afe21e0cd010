package ledger

import (
	"strings"
	"testing"
)

// TestResultsErrorsHaveLineAndColumn checks a results file's errors say
// where the problem is.
func TestResultsErrorsHaveLineAndColumn(t *testing.T) {
	cases := []struct{ doc, want, why string }{
		{"{\"run_id\": \"r\",\n \"tasks\": [\n  {\"name\": \"a\", \"status\": \"succeeded\"},\n  {\"name\": \"b\", \"status\": \"done\"}]}",
			`line 4, column 3: ledger: malformed input: task 1 ("b"): status "done"`, "a bad status, found after decoding"},
		{"{\"run_id\": \"r\",\n \"tasks\": [\n  {\"name\": \"a\", \"status\": \"succeeded\", \"grup\": 1}]}",
			`line 3, column 3: task 0 ("a"): unknown field "grup"`, "an unknown task field"},
		{"{\"run_id\": 5, \"tasks\": []}", "line 1, column 12: run_id", "a wrongly typed run_id"},
		{"{\"run_id\": \"r\",\n \"tasks\": [],\n \"tasks\": []}", "line 3, column 2: duplicate key", "a repeated key"},
		{"{\"run_id\": \"r\", \"tasks\": [}", "line 1, column 27: invalid character", "a syntax error"},
	}
	for _, c := range cases {
		_, err := ParseResults([]byte(c.doc), "r.json")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want %q", c.why, err, c.want)
		}
	}
}
