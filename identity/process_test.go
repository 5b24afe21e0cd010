package identity

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

const childEnv = "DELTAPLAN_IDENTITY_CHILD"

// signaturesForProcessTest computes the digests compared across processes.
func signaturesForProcessTest(t *testing.T) string {
	var b strings.Builder
	for _, f := range []string{"isthmus/integration-tpch-q05.json", "substrait-java/plan-roundtrip-complex-input-plan.json"} {
		p, r := loadPlan(t, f)
		fmt.Fprintf(&b, "%s %s\n", f, mustFingerprint(t, p, r))
	}
	c := baseComponents(t)
	c.Normalize()
	sig, err := c.Signature()
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&b, "signature %s\n", sig)
	return b.String()
}

// TestSecondProcess: a second process (with its own map-iteration seeds and
// memory layout) computes the same digests.
func TestSecondProcess(t *testing.T) {
	if os.Getenv(childEnv) == "1" {
		fmt.Print("BEGIN\n" + signaturesForProcessTest(t) + "END\n")
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestSecondProcess$")
	cmd.Env = append(os.Environ(), childEnv+"=1")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("child process: %v\n%s", err, out)
	}
	s := string(out)
	start, end := strings.Index(s, "BEGIN\n"), strings.Index(s, "END\n")
	if start < 0 || end < start {
		t.Fatalf("child output: %s", s)
	}
	if got, want := s[start+len("BEGIN\n"):end], signaturesForProcessTest(t); got != want {
		t.Fatalf("second process:\n%s\nthis process:\n%s", got, want)
	}
}
