package cachekey

import (
	"encoding/base64"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

func digest(c byte) string { return HashTag + ":" + strings.Repeat(string(c), 64) }

var goldenKeys = []struct {
	name string
	key  Key
}{
	{"no dependencies", Key{Node: "view:a", CodeVersion: digest('1')}},
	{"scan unit", Key{Node: "scan:sales:0123456789abcdef", CodeVersion: Hash("deltaplan.scan.read.v1", "tid", "amount", "region = 'EU'"),
		Dependencies: map[string]string{"files": Hash("deltaplan.scan.files.v1", "region=EU/a.parquet", "100")}}},
	{"view with inputs", Key{Node: "view:revenue", CodeVersion: digest('a'), Dependencies: map[string]string{
		"view:upstream": "engine-v42", "scan:sales:00": digest('b'), "scan:sales:01": digest('c'), "view:ignored": Ignored}}},
	{"text code version", Key{Node: "view:x", CodeVersion: "sha256:NOT-HEX", Dependencies: map[string]string{"": ""}}},
	{"unicode", Key{Node: "view:Größe", CodeVersion: "", Dependencies: map[string]string{"scan:t:ff": Unmatchable("run-1", "scan:t:ff")}}},
}

// TestGolden pins the text of keys: a key must be the same on every machine,
// in every process and in every release of the format.
func TestGolden(t *testing.T) {
	var b strings.Builder
	for _, g := range goldenKeys {
		b.WriteString(g.name + "\t" + g.key.String() + "\n")
	}
	path := filepath.Join("testdata", "golden_keys.txt")
	if *update {
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if b.String() != string(want) {
		t.Errorf("keys changed:\n got:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestRoundTrip(t *testing.T) {
	for _, g := range goldenKeys {
		t.Run(g.name, func(t *testing.T) {
			s := g.key.String()
			if !strings.HasPrefix(s, Prefix) {
				t.Fatalf("key %q lacks prefix", s)
			}
			k, err := Decode(s)
			if err != nil {
				t.Fatal(err)
			}
			want := g.key
			if want.Dependencies == nil {
				want.Dependencies = map[string]string{}
			}
			if !reflect.DeepEqual(k, want) {
				t.Fatalf("decoded %+v, want %+v", k, want)
			}
			if k.String() != s {
				t.Fatal("re-encoding differs")
			}
		})
	}
}

// TestDistinct: every component counts, and nothing else does.
func TestDistinct(t *testing.T) {
	base := Key{Node: "view:a", CodeVersion: digest('1'), Dependencies: map[string]string{"scan:t:1": digest('2'), "view:b": "x"}}
	same := Key{Node: "view:a", CodeVersion: digest('1'), Dependencies: map[string]string{"view:b": "x", "scan:t:1": digest('2')}}
	if base.String() != same.String() {
		t.Error("map order changed the key")
	}
	variants := map[string]Key{
		"node":              {Node: "view:b", CodeVersion: base.CodeVersion, Dependencies: base.Dependencies},
		"code version":      {Node: "view:a", CodeVersion: digest('3'), Dependencies: base.Dependencies},
		"data version":      base.With(map[string]string{"view:b": "y"}),
		"added dependency":  base.With(map[string]string{"view:c": "x"}),
		"removed":           {Node: "view:a", CodeVersion: base.CodeVersion, Dependencies: map[string]string{"view:b": "x"}},
		"renamed":           {Node: "view:a", CodeVersion: base.CodeVersion, Dependencies: map[string]string{"scan:t:1": digest('2'), "view:bb": "x"}},
		"text vs digest":    base.With(map[string]string{"scan:t:1": strings.ToUpper(digest('2'))}),
		"boundary shift":    {Node: "view:a" + "\x01", CodeVersion: base.CodeVersion, Dependencies: base.Dependencies},
		"empty vs no value": base.With(map[string]string{"view:d": ""}),
	}
	seen := map[string]string{base.String(): "base"}
	for name, k := range variants {
		s := k.String()
		if other, dup := seen[s]; dup {
			t.Errorf("%s gives the same key as %s", name, other)
		}
		seen[s] = name
	}
}

func TestDecodeErrors(t *testing.T) {
	enc := func(b ...byte) string { return Prefix + base64.RawURLEncoding.EncodeToString(b) }
	valid := Key{Node: "n", CodeVersion: "c", Dependencies: map[string]string{"a": "1", "b": "2"}}.String()
	cases := []struct{ name, key, want string }{
		{"empty", "", "does not start"},
		{"other format", "dpk2.sha256.AAAA", "key format"},
		{"hamilton key", "node-abc-eJwr", "does not start"},
		{"bad base64", Prefix + "!!", "base64"},
		{"padded base64", Prefix + "AA==", "base64"},
		{"truncated", valid[:len(valid)-3], ""},
		{"trailing", enc(1, 'n', 0, 1, 'c', 0, 0), "trailing"},
		{"unsorted", enc(1, 'n', 0, 1, 'c', 2, 1, 'b', 0, 0, 1, 'a', 0, 0), "out of order"},
		{"repeated", enc(1, 'n', 0, 1, 'c', 2, 1, 'a', 0, 0, 1, 'a', 0, 0), "out of order"},
		{"overlong varint", enc(0x81, 0x00, 'n'), "over-long"},
		{"unknown tag", enc(1, 'n', 7), "unknown value tag"},
		{"short digest", enc(1, 'n', 1, 0xaa), "short digest"},
		{"huge count", enc(1, 'n', 0, 0, 0xff, 0xff, 0x03), "exceeds"},
		{"huge length", enc(0x7f, 'n'), "exceeds"},
		{"digest as text", Prefix + base64.RawURLEncoding.EncodeToString(append([]byte{1, 'n', 0, 71}, append([]byte(digest('a')), 0)...)), "digest stored as text"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Decode(c.key)
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("should fail with ErrFormat, got %v", err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q should mention %q", err, c.want)
			}
		})
	}
}

func TestRekey(t *testing.T) {
	planned := Key{Node: "view:b", CodeVersion: digest('1'), Dependencies: map[string]string{"view:a": digest('2'), "scan:t:1": digest('3')}}
	got, err := Rekey(planned.String(), map[string]string{"view:a": "engine:7"})
	if err != nil {
		t.Fatal(err)
	}
	k, _ := Decode(got)
	if k.Dependencies["view:a"] != "engine:7" || k.Dependencies["scan:t:1"] != digest('3') || k.Node != "view:b" {
		t.Errorf("rekeyed to %+v", k)
	}
	if _, err := Rekey(planned.String(), map[string]string{"view:zz": "x"}); err == nil {
		t.Error("rekeying a non-dependency should fail")
	}
	if _, err := Rekey("garbage", nil); !errors.Is(err, ErrFormat) {
		t.Errorf("rekeying garbage: %v", err)
	}
}

func TestUnmatchable(t *testing.T) {
	a, b := Unmatchable("run-1", "view:x"), Unmatchable("run-2", "view:x")
	if a == b || !IsUnmatchable(a) || IsUnmatchable(Ignored) || IsUnmatchable(digest('1')) {
		t.Errorf("unmatchable versions: %q %q", a, b)
	}
}

func TestHash(t *testing.T) {
	if Hash("d", "ab", "c") == Hash("d", "a", "bc") || Hash("d") == Hash("e") {
		t.Error("Hash is ambiguous")
	}
	if _, ok := digestBytes(Hash("d")); !ok {
		t.Error("Hash should produce a digest value")
	}
}

func FuzzDecode(f *testing.F) {
	for _, g := range goldenKeys {
		f.Add(g.key.String())
	}
	f.Add(Prefix)
	f.Add("dpk1.sha256.AAA")
	f.Fuzz(func(t *testing.T, s string) {
		k, err := Decode(s)
		if err != nil {
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("error without ErrFormat: %v", err)
			}
			return
		}
		if k.String() != s {
			t.Fatalf("accepted a non-canonical key %q (re-encodes to %q)", s, k.String())
		}
	})
}
