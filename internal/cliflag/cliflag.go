// Package cliflag reads the values people type on the command line that
// need more than strconv: points in time (RFC 3339, a date or epoch
// milliseconds) and sizes with units (256MiB, 1KiB, 10MB). Errors are in
// deltaplan's own words and name the accepted forms; the pflag.Value types
// let cobra report them as command-line errors (exit 2).
package cliflag

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/dustin/go-humanize"
)

// ErrTime and ErrSize mark a value that is not a time or a size.
var (
	ErrTime = errors.New("not a time")
	ErrSize = errors.New("not a size")
)

// TimeForms names the accepted time forms, for help texts.
const TimeForms = "RFC 3339 (2024-05-01T12:00:00Z), a date (2024-05-01 = midnight UTC) or epoch milliseconds"

// SizeForms names the accepted size forms, for help texts.
const SizeForms = "bytes, or a number with a unit: 256MiB, 1KiB, 10MB, 1.5GB"

// ParseTime reads s as integer milliseconds since the Unix epoch, a date
// (YYYY-MM-DD, midnight UTC) or an RFC 3339 time (fractional seconds
// allowed). The result is in UTC.
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.UnixMilli(ms).UTC(), nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	return time.Time{}, fmt.Errorf("%q: %w: want %s", s, ErrTime, TimeForms)
}

// ParseSize reads s as a byte count, with an optional SI (kB, MB, GB, ...)
// or IEC (KiB, MiB, GiB, ...) unit, case-insensitive, optionally separated
// by a space. Parsing is done by github.com/dustin/go-humanize; only counts
// in 0 … MaxInt64 are accepted.
func ParseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	bad := func() (int64, error) { return 0, fmt.Errorf("%q: %w: want %s", s, ErrSize, SizeForms) }
	// go-humanize reads "-1" as a huge count and accepts an empty string
	// as 0 on some inputs; both are refused here first.
	if t == "" || strings.HasPrefix(t, "-") || strings.HasPrefix(t, "+") {
		return bad()
	}
	n, err := humanize.ParseBytes(t)
	if err != nil {
		if strings.Contains(err.Error(), "too large") {
			return 0, fmt.Errorf("%q: %w: more than %d bytes", s, ErrSize, int64(math.MaxInt64))
		}
		return bad()
	}
	if n > math.MaxInt64 {
		return 0, fmt.Errorf("%q: %w: more than %d bytes", s, ErrSize, int64(math.MaxInt64))
	}
	return int64(n), nil
}

// Size is a pflag.Value holding a byte count typed with or without a unit.
type Size struct{ P *int64 }

// Set parses s with ParseSize.
func (v Size) Set(s string) error {
	n, err := ParseSize(s)
	if err != nil {
		return err
	}
	*v.P = n
	return nil
}

// String prints the count ("" while it is 0, so help shows no default:
// commands state their own default in the usage text).
func (v Size) String() string {
	if v.P == nil || *v.P == 0 {
		return ""
	}
	return strconv.FormatInt(*v.P, 10)
}

// Type names the value in help.
func (Size) Type() string { return "size" }

// Setter is the part of pflag.Value that SizeOver wraps.
type Setter interface {
	Set(string) error
	String() string
}

// SizeOver wraps an integer flag value so that it accepts units: the
// parsed count is passed on to inner as a decimal integer. It lets a
// command keep its int64 flag while the command line takes 256MiB.
func SizeOver(inner Setter) *SizeWrap { return &SizeWrap{inner: inner} }

// SizeWrap is the value SizeOver returns.
type SizeWrap struct{ inner Setter }

// Set parses s with ParseSize and sets the wrapped value.
func (w *SizeWrap) Set(s string) error {
	n, err := ParseSize(s)
	if err != nil {
		return err
	}
	return w.inner.Set(strconv.FormatInt(n, 10))
}

// String is the wrapped value's text.
func (w *SizeWrap) String() string { return w.inner.String() }

// Type names the value in help.
func (*SizeWrap) Type() string { return "size" }

// Time is a pflag.Value holding a time typed in any ParseTime form.
type Time struct {
	P   *time.Time
	set bool
}

// Set parses s with ParseTime.
func (v *Time) Set(s string) error {
	t, err := ParseTime(s)
	if err != nil {
		return err
	}
	*v.P, v.set = t, true
	return nil
}

// String is "" until set (no default in help).
func (v *Time) String() string {
	if v == nil || !v.set {
		return ""
	}
	return v.P.Format(time.RFC3339Nano)
}

// Type names the value in help.
func (*Time) Type() string { return "time" }

// OptionalInt is a pflag.Value for an integer flag whose absence means
// something other than any number ("latest"): it prints no default in
// help, and Set reports whether it was given.
type OptionalInt struct {
	P   *int64
	Min int64
	set bool
}

// Set parses a decimal integer of at least Min.
func (v *OptionalInt) Set(s string) error {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return fmt.Errorf("%q: not an integer", s)
	}
	if n < v.Min {
		return fmt.Errorf("%d: must be >= %d", n, v.Min)
	}
	*v.P, v.set = n, true
	return nil
}

// String is "" until set.
func (v *OptionalInt) String() string {
	if v == nil || !v.set {
		return ""
	}
	return strconv.FormatInt(*v.P, 10)
}

// Type names the value in help.
func (*OptionalInt) Type() string { return "int" }

// IsSet says whether Set succeeded.
func (v *OptionalInt) IsSet() bool { return v.set }
