package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/deltaplan/deltaplan/lineage"
)

func fingerprint(t *testing.T, args ...string) string {
	t.Helper()
	code, stdout, stderr := runCLI(t, append([]string{"fingerprint"}, args...)...)
	if code != exitOK {
		t.Fatalf("fingerprint %v: exit %d: %s", args, code, stderr)
	}
	if strings.Count(stdout, "\n") != 1 || !digestRE.MatchString(strings.TrimSpace(stdout)) {
		t.Fatalf("fingerprint printed %q, want one signature line", stdout)
	}
	return strings.TrimSpace(stdout)
}

// TestFingerprintReproducible: the signature equals plan's, and survives a
// binary plan, a copied table, another table-name case and another process.
func TestFingerprintReproducible(t *testing.T) {
	if os.Getenv("DELTAPLAN_CLI_CHILD") == "1" { // the second process
		fmt.Printf("SIG %s\n", fingerprint(t, strings.Split(os.Getenv("DELTAPLAN_CLI_ARGS"), "\x1f")...))
		return
	}
	revenue, _, sess, sales := examplePaths(t)
	want := fingerprint(t, revenue, "--table", "sales="+sales, "--session", sess)

	code, stdout, _ := runCLI(t, "plan", revenue, "--table", "sales="+sales, "--session", sess, "--json")
	var doc struct {
		Signature string `json:"signature"`
	}
	if code != exitOK || json.Unmarshal([]byte(stdout), &doc) != nil || doc.Signature != want {
		t.Fatalf("plan --json signature %q, fingerprint %q", doc.Signature, want)
	}

	data, err := os.ReadFile(revenue)
	if err != nil {
		t.Fatal(err)
	}
	p, err := lineage.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	bin, err := proto.Marshal(p.Proto)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	binPath := filepath.Join(dir, "revenue.pb")
	if err := os.WriteFile(binPath, bin, 0o644); err != nil {
		t.Fatal(err)
	}
	copied := filepath.Join(dir, "elsewhere", "sales")
	if err := os.CopyFS(copied, os.DirFS(sales)); err != nil {
		t.Fatal(err)
	}
	for name, args := range map[string][]string{
		"binary plan":      {binPath, "--table", "sales=" + sales, "--session", sess},
		"copied table":     {revenue, "--table", "sales=" + copied, "--session", sess},
		"file:// location": {revenue, "--table", "sales=file://" + copied, "--session", sess},
		"upper-case name":  {revenue, "--table", "SALES=" + sales, "--session", sess},
	} {
		if got := fingerprint(t, args...); got != want {
			t.Errorf("%s: %s, want %s", name, got, want)
		}
	}

	// A second process running the same command line on the copy.
	cmd := exec.Command(os.Args[0], "-test.run=^TestFingerprintReproducible$")
	cmd.Env = append(os.Environ(), "DELTAPLAN_CLI_CHILD=1", "DELTAPLAN_CLI_ARGS="+strings.Join([]string{revenue, "--table", "sales=" + copied, "--session", sess}, "\x1f"))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "SIG "+want+"\n") {
		t.Fatalf("second process printed %q, want %s", out, want)
	}
}

func TestFingerprintJSON(t *testing.T) {
	revenue, _, _, sales := examplePaths(t)
	want := fingerprint(t, revenue, "--table", "sales="+sales)
	code, stdout, stderr := runCLI(t, "fingerprint", revenue, "--table", "sales="+sales, "--json")
	var doc struct {
		Signature string `json:"signature"`
	}
	if code != exitOK || json.Unmarshal([]byte(stdout), &doc) != nil || doc.Signature != want {
		t.Fatalf("exit %d, stdout %q, stderr %q; want {\"signature\": %q}", code, stdout, stderr, want)
	}
}
