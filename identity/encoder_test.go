package identity

import (
	"crypto/sha256"
	"errors"
	"math"
	"strings"
	"testing"
)

func sum(t *testing.T, domain string, write func(e *Encoder)) Digest {
	t.Helper()
	e := New(domain)
	write(e)
	d, err := e.Sum()
	if err != nil {
		t.Fatalf("sum: %v", err)
	}
	return d
}

// TestUnambiguous: pairs that a naive encoding would confuse must differ.
func TestUnambiguous(t *testing.T) {
	tests := []struct {
		name string
		a, b func(e *Encoder)
	}{
		{"1 vs \"1\"", func(e *Encoder) { e.Int(1) }, func(e *Encoder) { e.String("1") }},
		{"int vs uint", func(e *Encoder) { e.Int(1) }, func(e *Encoder) { e.Uint(1) }},
		{"[] vs {}", func(e *Encoder) { e.List(0) }, func(e *Encoder) { e.Map(0); e.EndMap() }},
		{"[] vs struct{}", func(e *Encoder) { e.List(0) }, func(e *Encoder) { e.Struct(0) }},
		{"[\"ab\"] vs [\"a\",\"b\"]", func(e *Encoder) { e.StringList([]string{"ab"}) }, func(e *Encoder) { e.StringList([]string{"a", "b"}) }},
		{"[\"a\",\"\"] vs [\"\",\"a\"]", func(e *Encoder) { e.StringList([]string{"a", ""}) }, func(e *Encoder) { e.StringList([]string{"", "a"}) }},
		{"null vs empty string", func(e *Encoder) { e.Null() }, func(e *Encoder) { e.String("") }},
		{"false vs 0", func(e *Encoder) { e.Bool(false) }, func(e *Encoder) { e.Int(0) }},
		{"string vs bytes", func(e *Encoder) { e.String("x") }, func(e *Encoder) { e.Bytes([]byte("x")) }},
		{"+0 vs -0", func(e *Encoder) { e.Float(0) }, func(e *Encoder) { e.Float(math.Copysign(0, -1)) }},
		{"nested vs flat list", func(e *Encoder) { e.List(1); e.List(1); e.Int(1) }, func(e *Encoder) { e.List(1); e.Int(1) }},
		{"field name vs string value", func(e *Encoder) { e.Struct(1); e.Field("a"); e.String("b") }, func(e *Encoder) { e.List(2); e.String("a"); e.String("b") }},
		{"map {a:b} vs list [a,b]", func(e *Encoder) { e.StringMap(map[string]string{"a": "b"}) }, func(e *Encoder) { e.StringList([]string{"a", "b"}) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if sum(t, "test", tt.a) == sum(t, "test", tt.b) {
				t.Fatal("should differ: distinct values share an encoding")
			}
		})
	}
	if sum(t, "a", func(e *Encoder) { e.Int(1) }) == sum(t, "b", func(e *Encoder) { e.Int(1) }) {
		t.Error("should differ: domains separate digests")
	}
	nan1 := math.Float64frombits(0x7ff8000000000001)
	if sum(t, "f", func(e *Encoder) { e.Float(math.NaN()) }) != sum(t, "f", func(e *Encoder) { e.Float(nan1) }) {
		t.Error("should agree: every NaN is one canonical NaN")
	}
	m := map[string]string{"z": "1", "a": "2", "m": "3"}
	if sum(t, "m", func(e *Encoder) { e.StringMap(m) }) != sum(t, "m", func(e *Encoder) {
		e.Map(3)
		e.MapKey("a")
		e.String("2")
		e.MapKey("m")
		e.String("3")
		e.MapKey("z")
		e.String("1")
		e.EndMap()
	}) {
		t.Error("should agree: StringMap writes keys in order")
	}
}

func TestEncoderMisuse(t *testing.T) {
	tests := []struct {
		name  string
		write func(e *Encoder)
	}{
		{"too few list elements", func(e *Encoder) { e.List(2); e.Int(1) }},
		{"struct value missing", func(e *Encoder) { e.Struct(1); e.Field("a") }},
		{"map keys out of order", func(e *Encoder) {
			e.Map(2)
			e.MapKey("b")
			e.Null()
			e.MapKey("a")
			e.Null()
			e.EndMap()
		}},
		{"map key repeated", func(e *Encoder) {
			e.Map(2)
			e.MapKey("a")
			e.Null()
			e.MapKey("a")
			e.Null()
			e.EndMap()
		}},
		{"negative size", func(e *Encoder) { e.List(-1) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := New("misuse")
			tt.write(e)
			if _, err := e.Sum(); !errors.Is(err, ErrEncoderMisuse) {
				t.Fatalf("got %v, want ErrEncoderMisuse", err)
			}
		})
	}
}

func TestDigestText(t *testing.T) {
	d := sum(t, "x", func(e *Encoder) { e.Int(1) })
	s := d.String()
	if !strings.HasPrefix(s, "sha256:") || len(s) != 7+64 {
		t.Fatalf("bad text form %q", s)
	}
	back, err := ParseDigest(s)
	if err != nil || back != d {
		t.Fatalf("round trip: %v %v", back, err)
	}
	for _, bad := range []string{"sha256:", "sha1:" + s[7:], s[:len(s)-1], strings.ToUpper(s), s[7:], s + "0", "sha256:" + strings.Repeat("g", 64)} {
		if _, err := ParseDigest(bad); !errors.Is(err, ErrInvalidDigest) {
			t.Errorf("ParseDigest(%q) = %v, want ErrInvalidDigest", bad, err)
		}
	}
	if z, err := ParseDigest(""); err != nil || !z.IsZero() || z.String() != "" {
		t.Errorf("empty digest: %v %v", z, err)
	}
}

// TestEncodingSpec rebuilds the bytes of one digest by hand from the
// documented format, so the format written in encoder.go and the code agree.
func TestEncodingSpec(t *testing.T) {
	lp := func(tag byte, s string) []byte { return append([]byte{tag, byte(len(s))}, s...) }
	var b []byte
	b = append(b, "deltaplan-identity"...)
	b = append(b, EncodingVersion) // uvarint EncodingVersion (one byte below 128)
	b = append(b, lp('s', "spec")...)
	b = append(b, 'r', 2)
	b = append(b, lp('k', "n")...)
	b = append(b, 'i', 0, 0, 0, 0, 0, 0, 1, 0) // 256, big endian
	b = append(b, lp('k', "l")...)
	b = append(b, 'l', 2, 'N', 'T')
	want := Digest(sha256.Sum256(b))
	got := sum(t, "spec", func(e *Encoder) {
		e.Struct(2)
		e.Field("n")
		e.Int(256)
		e.Field("l")
		e.List(2)
		e.Null()
		e.Bool(true)
	})
	if got != want {
		t.Fatalf("encoder wrote %s, the documented format gives %s", got, want)
	}
}
