package cliflag

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"testing"
	"time"
)

func TestParseTime(t *testing.T) {
	cases := []struct {
		in, want, why string
	}{
		{"2024-05-02", "2024-05-02T00:00:00Z", "a date is midnight UTC"},
		{"2024-05-01T02:30:00Z", "2024-05-01T02:30:00Z", "RFC 3339"},
		{"2024-05-01T04:30:00+02:00", "2024-05-01T02:30:00Z", "an offset is converted to UTC"},
		{"2024-05-01T02:30:00.123456Z", "2024-05-01T02:30:00.123456Z", "fractional seconds are kept"},
		{"1714530600000", "2024-05-01T02:30:00Z", "epoch milliseconds"},
		{"0", "1970-01-01T00:00:00Z", "the epoch itself"},
		{"-1000", "1969-12-31T23:59:59Z", "before the epoch is still a time"},
		{" 2024-05-02 ", "2024-05-02T00:00:00Z", "surrounding blanks are ignored"},
	}
	for _, c := range cases {
		got, err := ParseTime(c.in)
		if err != nil {
			t.Errorf("%s: %q: %v", c.why, c.in, err)
			continue
		}
		if s := got.Format(time.RFC3339Nano); s != c.want {
			t.Errorf("%s: %q = %s, want %s", c.why, c.in, s, c.want)
		}
	}
	for _, bad := range []struct{ in, why string }{
		{"yesterday", "words are not times"},
		{"2024-05-32", "no such day"},
		{"2024-05-01 02:30:00", "a space instead of T is not RFC 3339"},
		{"", "empty"},
		{"1.5", "fractional milliseconds"},
	} {
		_, err := ParseTime(bad.in)
		if !errors.Is(err, ErrTime) {
			t.Errorf("%s: %q: got %v, want ErrTime", bad.why, bad.in, err)
		}
	}
}

func TestParseSize(t *testing.T) {
	cases := []struct {
		in   string
		want int64
		why  string
	}{
		{"256MiB", 256 << 20, "IEC unit"},
		{"1KiB", 1024, "the issue's example"},
		{"10MB", 10_000_000, "SI unit"},
		{"10mb", 10_000_000, "units are case-insensitive"},
		{"1 GiB", 1 << 30, "a space before the unit"},
		{"1.5KiB", 1536, "a fraction with a unit"},
		{"268435456", 268435456, "plain bytes"},
		{"0", 0, "zero means the default"},
		{"42B", 42, "an explicit byte unit"},
	}
	for _, c := range cases {
		got, err := ParseSize(c.in)
		if err != nil || got != c.want {
			t.Errorf("%s: %q = %d, %v; want %d", c.why, c.in, got, err, c.want)
		}
	}
	for _, bad := range []struct{ in, why string }{
		{"", "empty"},
		{"-1", "negative"},
		{"-1KiB", "negative with a unit"},
		{"1KB2", "trailing garbage"},
		{"lots", "words"},
		{"1XB", "unknown unit"},
		{"9EiB", "more than MaxInt64"},
		{"100000000000000000000000", "overflows"},
	} {
		_, err := ParseSize(bad.in)
		if !errors.Is(err, ErrSize) {
			t.Errorf("%s: %q: got %v, want ErrSize", bad.why, bad.in, err)
		}
	}
}

// TestSizeOverPassesCount checks the wrapper hands the wrapped flag a
// decimal count it parses back to the same number.
func TestSizeOverPassesCount(t *testing.T) {
	var got string
	w := SizeOver(setterFunc(func(s string) error { got = s; return nil }))
	if err := w.Set("256MiB"); err != nil {
		t.Fatal(err)
	}
	if n, _ := strconv.ParseInt(got, 10, 64); n != 256<<20 {
		t.Fatalf("inner got %q", got)
	}
	if err := w.Set("nope"); !errors.Is(err, ErrSize) {
		t.Fatalf("bad size: %v", err)
	}
}

type setterFunc func(string) error

func (f setterFunc) Set(s string) error { return f(s) }
func (setterFunc) String() string       { return "" }

func TestOptionalInt(t *testing.T) {
	var n int64 = -1
	v := &OptionalInt{P: &n}
	if v.String() != "" || v.IsSet() {
		t.Fatal("unset value must print no default")
	}
	if err := v.Set("-1"); err == nil {
		t.Fatal("below Min accepted")
	}
	if err := v.Set("x"); err == nil {
		t.Fatal("a word accepted")
	}
	if err := v.Set("3"); err != nil || n != 3 || !v.IsSet() {
		t.Fatalf("Set 3: %v, n=%d", err, n)
	}
}

// FuzzParseSize checks sizes never come back negative and that a parsed
// count, printed plainly, parses to itself.
func FuzzParseSize(f *testing.F) {
	for _, s := range []string{"256MiB", "1KiB", "10MB", "0", "-1", "1.5 GB", "9EiB"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseSize(s)
		if err != nil {
			return
		}
		if n < 0 || n > math.MaxInt64 {
			t.Fatalf("%q = %d", s, n)
		}
		m, err := ParseSize(strconv.FormatInt(n, 10))
		if err != nil || m != n {
			t.Fatalf("%q = %d does not round-trip: %d, %v", s, n, m, err)
		}
	})
}

// FuzzParseTime checks a parsed time printed as epoch milliseconds parses
// back to the same millisecond.
func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"2024-05-02", "2024-05-01T02:30:00Z", "1714530600000", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tm, err := ParseTime(s)
		if err != nil {
			return
		}
		ms := tm.UnixMilli()
		back, err := ParseTime(strconv.FormatInt(ms, 10))
		if err != nil || back.UnixMilli() != ms {
			t.Fatalf("%q -> %d -> %v, %v", s, ms, back, err)
		}
	})
}

func ExampleParseSize() {
	n, _ := ParseSize("256MiB")
	fmt.Println(n)
	t, _ := ParseTime("2024-05-02")
	fmt.Println(t)
	// Output:
	// 268435456
	// 2024-05-02 00:00:00 +0000 UTC
}
