package session

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

func TestParseFiles(t *testing.T) {
	tests := []struct {
		file    string
		wantErr error // nil: must parse
		why     string
	}{
		{"full.json", nil, "should parse: every field, keys needing trim, duplicate tag collapses in the set"},
		{"empty.json", nil, "should parse: absent fields mean empty"},
		{"nulls.json", nil, "should parse: null fields mean empty"},
		{"duplicate-setting-key.json", ErrDuplicateKey, "should fail: encoding/json would keep the last value"},
		{"duplicate-top-level-key.json", ErrDuplicateKey, "should fail: two rewrite_tags lists"},
		{"duplicate-udf-field.json", ErrDuplicateKey, "should fail: a UDF names itself twice"},
		{"duplicate-udf.json", ErrInvalid, "should fail: one (name, signature) with two digests"},
		{"duplicate-setting-after-trim.json", ErrInvalid, "should fail: keys equal after trimming"},
		{"unknown-top-level-field.json", ErrUnknownField, "should fail: misspelled udfs"},
		{"unknown-udf-field.json", ErrUnknownField, "should fail: a UDF field the format lacks"},
		{"udf-without-digest.json", ErrInvalid, "should fail: a UDF without implementation_digest has no identity"},
		{"non-string-setting.json", ErrSyntax, "should fail: setting values are strings"},
		{"trailing-data.json", ErrSyntax, "should fail: two documents"},
		{"truncated.json", ErrSyntax, "should fail: unexpected end"},
		{"top-level-array.json", ErrSyntax, "should fail: the session is an object"},
		{"empty-rewrite-tag.json", ErrInvalid, "should fail: an empty tag"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join("testdata", tt.file)
			r, err := Load(context.Background(), path)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("%s: %v", tt.why, err)
				}
				if r == nil {
					t.Fatal("nil runtime without error")
				}
				return
			}
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("%s: got %v, want %v", tt.why, err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), path) {
				t.Errorf("error %q does not name the file %s", err, path)
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(context.Background(), filepath.Join("testdata", "no-such-file.json"))
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "no-such-file.json") {
		t.Fatalf("got %v, want a not-exist error naming the file", err)
	}
}

func TestParseInvalidUTF8(t *testing.T) {
	_, err := Parse([]byte("{\"settings\": {\"a\": \"\xff\"}}"), "bad.json")
	if !errors.Is(err, ErrSyntax) {
		t.Fatalf("got %v, want ErrSyntax", err)
	}
}

// golden renders everything a session contributes to a signature.
func golden(r *Runtime) string {
	var b strings.Builder
	js, _ := json.Marshal(r)
	var pretty bytes.Buffer
	_ = json.Indent(&pretty, js, "", "  ")
	fmt.Fprintf(&b, "normalized: %s\n", pretty.String())
	fmt.Fprintf(&b, "runtime_hash: %s\n", r.Hash())
	fmt.Fprintf(&b, "udf_snapshot_hash: %s\n", r.UDFSnapshotHash())
	for _, u := range r.UDFs() {
		fmt.Fprintf(&b, "udf %s(%s): %s\n", u.Name, u.Signature, u.Identity())
	}
	return b.String()
}

// TestGolden pins the normalized form and every hash; a change here means
// the encoding changed and identity.EncodingVersion must be bumped.
func TestGolden(t *testing.T) {
	for _, name := range []string{"full", "empty"} {
		t.Run(name, func(t *testing.T) {
			r, err := Load(context.Background(), filepath.Join("testdata", name+".json"))
			if err != nil {
				t.Fatal(err)
			}
			got := golden(r)
			path := filepath.Join("testdata", name+".golden")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if got != string(want) {
				t.Errorf("golden mismatch for %s:\n got:\n%s\nwant:\n%s", name, got, want)
			}
		})
	}
}

func TestEmptyEqualsAbsent(t *testing.T) {
	a, err := Load(context.Background(), filepath.Join("testdata", "empty.json"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := Load(context.Background(), filepath.Join("testdata", "nulls.json"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(Spec{})
	if err != nil {
		t.Fatal(err)
	}
	if a.Hash() != b.Hash() || a.Hash() != c.Hash() || a.Hash() != Empty().Hash() {
		t.Fatalf("empty sessions differ: %s %s %s %s", a.Hash(), b.Hash(), c.Hash(), Empty().Hash())
	}
}

func base() Spec {
	return Spec{
		Settings:    map[string]string{"spark.sql.ansi.enabled": "true", "tz": "UTC"},
		UDFs:        []UDF{{Name: "clamp", Signature: "i64", ImplementationDigest: "sha256:aa"}},
		RewriteTags: []string{"b-tag", "a-tag"},
		Planners:    []string{"cbo"},
	}
}

// TestHashSensitivity: every semantic change moves the runtime hash; order
// and duplicates in sets do not.
func TestHashSensitivity(t *testing.T) {
	ref, err := New(base())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		edit     func(*Spec)
		same     bool
		udfMoves bool
	}{
		{"tags reordered and repeated: same", func(s *Spec) { s.RewriteTags = []string{"a-tag", "b-tag", "a-tag"} }, true, false},
		{"setting value changed", func(s *Spec) { s.Settings["tz"] = "Europe/Paris" }, false, false},
		{"setting added", func(s *Spec) { s.Settings["x"] = "" }, false, false},
		{"setting key case differs", func(s *Spec) { delete(s.Settings, "tz"); s.Settings["TZ"] = "UTC" }, false, false},
		{"udf digest changed", func(s *Spec) { s.UDFs[0].ImplementationDigest = "sha256:ab" }, false, true},
		{"udf signature changed", func(s *Spec) { s.UDFs[0].Signature = "i32" }, false, true},
		{"rewrite tag removed", func(s *Spec) { s.RewriteTags = []string{"a-tag"} }, false, false},
		{"planner added", func(s *Spec) { s.Planners = append(s.Planners, "rbo") }, false, false},
		{"value moved between keys", func(s *Spec) { s.Settings = map[string]string{"spark.sql.ansi.enabled": "trueUTC", "tz": ""} }, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := base()
			s.UDFs = append([]UDF(nil), s.UDFs...)
			tt.edit(&s)
			r, err := New(s)
			if err != nil {
				t.Fatal(err)
			}
			if (r.Hash() == ref.Hash()) != tt.same {
				t.Errorf("runtime hash same=%v, want same=%v", r.Hash() == ref.Hash(), tt.same)
			}
			if (r.UDFSnapshotHash() != ref.UDFSnapshotHash()) != tt.udfMoves {
				t.Errorf("udf snapshot moved=%v, want %v", r.UDFSnapshotHash() != ref.UDFSnapshotHash(), tt.udfMoves)
			}
		})
	}
}

func TestDiff(t *testing.T) {
	ref, err := New(base())
	if err != nil {
		t.Fatal(err)
	}
	s := base()
	s.Settings["tz"] = "Europe/Paris"
	s.Settings["new"] = "1"
	delete(s.Settings, "spark.sql.ansi.enabled")
	s.UDFs = []UDF{{Name: "clamp", Signature: "i64", ImplementationDigest: "sha256:bb"}, {Name: "f", Signature: "", ImplementationDigest: "d"}}
	s.RewriteTags = []string{"a-tag", "c-tag"}
	s.Planners = nil
	other, err := New(s)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range Diff(ref, other) {
		got = append(got, c.String())
	}
	want := []string{
		"planner cbo: cbo -> (absent)",
		"rewrite_tag b-tag: b-tag -> (absent)",
		"rewrite_tag c-tag: (absent) -> c-tag",
		"setting new: (absent) -> 1",
		"setting spark.sql.ansi.enabled: true -> (absent)",
		"setting tz: UTC -> Europe/Paris",
		"udf clamp(i64): sha256:aa -> sha256:bb",
		"udf f(): (absent) -> d",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("diff:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if d := Diff(ref, ref); len(d) != 0 {
		t.Errorf("self diff: %v", d)
	}
}

func TestJSONRoundTrip(t *testing.T) {
	r, err := Load(context.Background(), filepath.Join("testdata", "full.json"))
	if err != nil {
		t.Fatal(err)
	}
	js, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var back Runtime
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatalf("re-parse normalized form: %v\n%s", err, js)
	}
	if back.Hash() != r.Hash() {
		t.Fatalf("round trip changed the hash")
	}
	if v, ok := back.Setting("spark.sql.shuffle.partitions"); !ok || v != "200" {
		t.Errorf("trimmed key lookup: %q %v", v, ok)
	}
}

func TestDiffNilIsEmpty(t *testing.T) {
	r, err := New(Spec{RewriteTags: []string{"x"}})
	if err != nil {
		t.Fatal(err)
	}
	if d := Diff(nil, r); len(d) != 1 || d[0].Component != "rewrite_tag" {
		t.Fatalf("nil vs one tag: %v", d)
	}
	if d := Diff(nil, nil); len(d) != 0 {
		t.Fatalf("nil vs nil: %v", d)
	}
}
