package delta

import (
	"fmt"
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/deltaplan/deltaplan/model"
)

// parsePartitionValue types a serialized partition value per the protocol's
// "Partition Value Serialization". An empty string is NULL for every type,
// as Delta writers never store an empty partition string.
func parsePartitionValue(raw string, t *Type) (model.Value, error) {
	if raw == "" {
		return model.Null, nil
	}
	k, scale, ok := kindOf(t)
	if !ok {
		return model.Null, fmt.Errorf("partition column of type %s is not supported", t.String())
	}
	switch k {
	case model.KindString:
		return model.StringValue(raw), nil
	case model.KindBinary:
		return model.BinaryValue([]byte(raw)), nil
	case model.KindBool:
		switch strings.ToLower(raw) {
		case "true":
			return model.BoolValue(true), nil
		case "false":
			return model.BoolValue(false), nil
		}
	case model.KindInt:
		if i, err := strconv.ParseInt(raw, 10, 64); err == nil && fitsInt(i, t.Name) {
			return model.IntValue(i), nil
		}
	case model.KindFloat:
		if f, err := strconv.ParseFloat(raw, 64); err == nil {
			return model.FloatValue(f), nil
		}
	case model.KindDecimal:
		if d, exact := parseDecimal(raw, scale); d != nil && exact {
			return model.Value{Kind: model.KindDecimal, Dec: d, Scale: scale}, nil
		}
	case model.KindDate:
		if d, ok := parseDate(raw); ok {
			return model.DateValue(d), nil
		}
	case model.KindTimestamp, model.KindTimestampNTZ:
		if us, _, ok := parseTimestamp(raw); ok {
			return model.Value{Kind: k, Int: us}, nil
		}
		if k == model.KindTimestampNTZ {
			// Written before the column was widened from date: the
			// protocol has readers convert it (midnight of that day).
			if d, ok := parseDate(raw); ok {
				return model.Value{Kind: k, Int: d * 86_400_000_000}, nil
			}
		}
	}
	return model.Null, fmt.Errorf("invalid %s partition value %q", t.String(), raw)
}

func fitsInt(i int64, name string) bool {
	switch name {
	case "byte":
		return i >= math.MinInt8 && i <= math.MaxInt8
	case "short":
		return i >= math.MinInt16 && i <= math.MaxInt16
	case "integer":
		return i >= math.MinInt32 && i <= math.MaxInt32
	}
	return true
}

// parseDecimal converts decimal text (optionally with an exponent) to an
// unscaled integer at scale; exact is false when digits would be lost.
func parseDecimal(s string, scale int32) (unscaled *big.Int, exact bool) {
	if s == "" || len(s) > 400 {
		return nil, false
	}
	mant, exp := s, int64(0)
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		e, err := strconv.ParseInt(s[i+1:], 10, 32)
		if err != nil || e > 400 || e < -400 {
			return nil, false
		}
		mant, exp = s[:i], e
	}
	neg := false
	if mant != "" && (mant[0] == '-' || mant[0] == '+') {
		neg = mant[0] == '-'
		mant = mant[1:]
	}
	intPart, frac := mant, ""
	if i := strings.IndexByte(mant, '.'); i >= 0 {
		intPart, frac = mant[:i], mant[i+1:]
	}
	if intPart == "" && frac == "" {
		return nil, false
	}
	digits := intPart + frac
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return nil, false
		}
	}
	// value = digits × 10^(exp - len(frac)); unscaled = value × 10^scale.
	shift := exp - int64(len(frac)) + int64(scale)
	d, ok := new(big.Int).SetString(digits, 10)
	if !ok {
		return nil, false
	}
	exact = true
	ten := big.NewInt(10)
	if shift > 0 {
		d.Mul(d, new(big.Int).Exp(ten, big.NewInt(shift), nil))
	} else if shift < 0 {
		var rem big.Int
		d.QuoRem(d, new(big.Int).Exp(ten, big.NewInt(-shift), nil), &rem)
		exact = rem.Sign() == 0
	}
	if neg {
		d.Neg(d)
	}
	return d, exact
}

var epochDay = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)

// parseDate parses YYYY-MM-DD into days since the epoch.
func parseDate(s string) (int64, bool) {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return 0, false
	}
	return int64(t.Sub(epochDay).Hours() / 24), true
}

// parseTimestamp accepts "YYYY-MM-DD[ T]hh:mm:ss[.ffffff][Z|±hh:mm]" and
// returns microseconds since the epoch (a missing zone reads as UTC) and the
// number of fractional digits given.
func parseTimestamp(s string) (us int64, fracDigits int, ok bool) {
	if len(s) < 19 || (s[10] != ' ' && s[10] != 'T') {
		return parseWideTimestamp(s)
	}
	base := s[:10] + "T" + s[11:]
	rest := base[19:]
	i := 0
	if i < len(rest) && rest[0] == '.' {
		i = 1
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		fracDigits = i - 1
		if fracDigits == 0 || fracDigits > 9 {
			return 0, 0, false
		}
	}
	zone := rest[i:]
	layout := "2006-01-02T15:04:05"
	if fracDigits > 0 {
		layout += "." + strings.Repeat("9", fracDigits)
	}
	var t time.Time
	var err error
	switch {
	case zone == "":
		t, err = time.Parse(layout, base)
	case zone == "Z" || zone == "z":
		t, err = time.Parse(layout+"Z07:00", base[:len(base)-1]+"Z")
	default:
		z := zone
		if len(z) == 5 && (z[0] == '+' || z[0] == '-') && !strings.Contains(z, ":") {
			z = z[:3] + ":" + z[3:]
		}
		t, err = time.Parse(layout+"Z07:00", base[:19+i]+z)
	}
	if err != nil {
		return parseWideTimestamp(s)
	}
	return t.UnixMicro(), fracDigits, true
}

// parseWideTimestamp reads timestamps whose year time.Parse refuses:
// negative or beyond 9999 (Databricks writes -9999-12-31 23:59:59.999999
// and 10000-01-01 00:00:00 as sentinels), "[+-]Y{4,6}-MM-DD hh:mm:ss[.f]"
// with an optional zone as parseTimestamp takes it. Years are proleptic
// Gregorian with a year 0, as Spark's; anything outside ±290,000 years
// (int64 microseconds) is refused.
func parseWideTimestamp(s string) (us int64, fracDigits int, ok bool) {
	m := wideTimestampRE.FindStringSubmatch(s)
	if m == nil {
		return 0, 0, false
	}
	atoi := func(x string) int64 { n, _ := strconv.ParseInt(x, 10, 64); return n }
	year, month, day := atoi(m[1]), atoi(m[2]), atoi(m[3])
	hh, mm, ss := atoi(m[4]), atoi(m[5]), atoi(m[6])
	if year > 290_000 || year < -290_000 || month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || hh > 23 || mm > 59 || ss > 59 {
		return 0, 0, false
	}
	micros := int64(0)
	if f := m[7]; f != "" {
		fracDigits = len(f) - 1
		digits := (f[1:] + "000000")[:6] // nanoseconds beyond µs are cut
		micros = atoi(digits)
	}
	var off int64
	if z := m[8]; z != "" && z != "Z" && z != "z" {
		z = strings.ReplaceAll(z, ":", "")
		off = (atoi(z[1:3])*60 + atoi(z[3:5])) * 60
		if z[0] == '-' {
			off = -off
		}
	}
	secs := daysFromCivil(year, month, day)*86_400 + hh*3600 + mm*60 + ss - off
	return secs*1_000_000 + micros, fracDigits, true
}

var wideTimestampRE = regexp.MustCompile(`^([+-]?\d{4,6})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|z|[+-]\d{2}:?\d{2})?$`)

// daysFromCivil is the number of days from 1970-01-01 to y-m-d in the
// proleptic Gregorian calendar (H. Hinnant's algorithm).
func daysFromCivil(y, m, d int64) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era = (y - 399) / 400
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

func daysIn(y, m int64) int64 {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

var bigOne = big.NewInt(1)
