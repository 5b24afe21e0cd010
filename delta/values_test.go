package delta

import (
	"context"
	"errors"
	"math/big"
	"path/filepath"
	"testing"
	"time"

	"github.com/deltaplan/deltaplan/internal/fixtures"
	"github.com/deltaplan/deltaplan/model"
)

func fixtureSnapshot(t *testing.T, name string) *Snapshot {
	t.Helper()
	s, err := openSnapshot(context.Background(), filepath.Join(fixtures.Dir(t, "delta"), name))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return s
}

func us(s string) int64 {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UnixMicro()
}

func dec(unscaled int64, scale int32) model.Value {
	return model.DecimalValue(big.NewInt(unscaled), scale)
}

func sameValue(a, b model.Value) bool {
	if a.Kind != b.Kind {
		return false
	}
	if a.IsNull() {
		return true
	}
	c, ok := model.Compare(a, b)
	return ok && c == 0 && a.Scale == b.Scale
}

func TestParsePartitionValue(t *testing.T) {
	tests := []struct {
		raw, typ string
		want     model.Value
		bad      bool
	}{
		{"42", "integer", model.IntValue(42), false},
		{"-7", "long", model.IntValue(-7), false},
		{"300", "byte", model.Null, true}, // out of range for byte
		{"1.5", "double", model.FloatValue(1.5), false},
		{"true", "boolean", model.BoolValue(true), false},
		{"yes", "boolean", model.Null, true},
		{"abc", "string", model.StringValue("abc"), false},
		{"", "string", model.Null, false}, // empty means NULL
		{"", "integer", model.Null, false},
		{"\x01\x02", "binary", model.BinaryValue([]byte{1, 2}), false},
		{"12.30", "decimal(5,2)", dec(1230, 2), false},
		{"12.345", "decimal(5,2)", model.Null, true}, // digits would be lost
		{"2021-09-08", "date", model.DateValue(18878), false},
		{"2021-09-08 11:11:11", "timestamp", model.TimestampValue(us("2021-09-08T11:11:11Z")), false},
		{"2021-09-08 11:11:11.123456", "timestamp", model.TimestampValue(us("2021-09-08T11:11:11.123456Z")), false},
		{"1970-01-01T00:00:00.123456Z", "timestamp", model.TimestampValue(123456), false},
		{"2021-09-08T11:11:11+02:00", "timestamp", model.TimestampValue(us("2021-09-08T09:11:11Z")), false},
		{"2021-09-08 11:11:11", "timestamp_ntz", model.TimestampNTZValue(us("2021-09-08T11:11:11Z")), false},
		{"2021-13-08", "date", model.Null, true},
		{"noon", "timestamp", model.Null, true},
	}
	for _, tc := range tests {
		typ, err := parsePrimitive(tc.typ, "c")
		if err != nil {
			t.Fatal(err)
		}
		got, err := parsePartitionValue(tc.raw, typ)
		if (err != nil) != tc.bad {
			t.Errorf("%q as %s: error %v, want error %v", tc.raw, tc.typ, err, tc.bad)
			continue
		}
		if !tc.bad && !sameValue(got, tc.want) {
			t.Errorf("%q as %s = %v (%s), want %v (%s)", tc.raw, tc.typ, got, got.Kind, tc.want, tc.want.Kind)
		}
	}
}

func TestParseDecimal(t *testing.T) {
	tests := []struct {
		s     string
		scale int32
		want  string
		exact bool
	}{
		{"0", 0, "0", true},
		{"123.45", 2, "12345", true},
		{"-123.45", 3, "-123450", true},
		{"1.2E+3", 1, "12000", true},
		{"1.25", 1, "12", false},
		{"5E-1", 0, "0", false},
	}
	for _, tc := range tests {
		got, exact := parseDecimal(tc.s, tc.scale)
		if got == nil || got.String() != tc.want || exact != tc.exact {
			t.Errorf("parseDecimal(%q, %d) = %v, %v; want %s, %v", tc.s, tc.scale, got, exact, tc.want, tc.exact)
		}
	}
	for _, bad := range []string{"", "-", "1.2.3", "abc", "1e", "1e999999"} {
		if d, _ := parseDecimal(bad, 2); d != nil {
			t.Errorf("parseDecimal(%q) = %v, want failure", bad, d)
		}
	}
}

// TestPartitionValuesTyped reads every partition type of a Spark table,
// including the all-NULL partition.
func TestPartitionValuesTyped(t *testing.T) {
	s := fixtureSnapshot(t, "data-reader-partition-values")
	f := s.Files
	col := map[string]*model.PartitionColumn{}
	for i := range f.Partitions {
		col[f.Partitions[i].Name] = &f.Partitions[i]
	}
	row := -1
	for i, p := range f.Paths {
		if col["as_int"].RawValid[i] && col["as_int"].Raw[i] == "0" {
			row = i
		}
		_ = p
	}
	if row < 0 {
		t.Fatal("no file with as_int=0")
	}
	want := map[string]model.Value{
		"as_int": model.IntValue(0), "as_long": model.IntValue(0), "as_byte": model.IntValue(0), "as_short": model.IntValue(0),
		"as_boolean": model.BoolValue(true), "as_float": model.FloatValue(0), "as_double": model.FloatValue(0),
		"as_string": model.StringValue("0"), "as_string_lit_null": model.StringValue("null"),
		"as_date":      model.DateValue(18878),
		"as_timestamp": model.TimestampValue(us("2021-09-08T11:11:11Z")),
		"as_big_decimal": func() model.Value {
			_, sc, _ := kindOf(mustField(t, s, "as_big_decimal").Type)
			return dec(0, sc)
		}(),
	}
	for name, w := range want {
		c, ok := col[name]
		if !ok {
			t.Errorf("no partition column %s", name)
			continue
		}
		if got := c.Values.Get(row); !sameValue(got, w) {
			t.Errorf("%s = %v (%s), want %v (%s)", name, got, got.Kind, w, w.Kind)
		}
	}
	nulls := 0
	for i := range f.Paths {
		if !col["as_int"].RawValid[i] {
			nulls++
			for name, c := range col {
				if c.RawValid[i] || c.Values.Valid[i] {
					t.Errorf("file %d: %s should be NULL", i, name)
				}
			}
		}
	}
	if nulls == 0 {
		t.Error("the all-NULL partition is missing")
	}
}

func mustField(t *testing.T, s *Snapshot, name string) *Field {
	f, ok := s.Metadata.Schema.Field(name)
	if !ok {
		t.Fatalf("no field %s", name)
	}
	return f
}

func statsByPath(f *model.FileSet) map[string]*model.ColumnStats {
	m := map[string]*model.ColumnStats{}
	for i := range f.Stats {
		m[f.Stats[i].Path.String()] = &f.Stats[i]
	}
	return m
}

// TestStatsTyped checks kinds and values of JSON statistics for every
// primitive type, and that column mapping (name and id) yields the same
// statistics under logical names.
func TestStatsTyped(t *testing.T) {
	for _, name := range []string{
		"data-skipping-basic-stats-all-types",
		"data-skipping-basic-stats-all-types-checkpoint",
		"data-skipping-basic-stats-all-types-columnmapping-name",
		"data-skipping-basic-stats-all-types-columnmapping-id",
	} {
		t.Run(name, func(t *testing.T) {
			s := fixtureSnapshot(t, name)
			st := statsByPath(s.Files)
			wantKinds := map[string]model.Kind{
				"as_int": model.KindInt, "as_long": model.KindInt, "as_byte": model.KindInt, "as_short": model.KindInt,
				"as_float": model.KindFloat, "as_double": model.KindFloat, "as_string": model.KindString,
				"as_date": model.KindDate, "as_timestamp": model.KindTimestamp, "as_big_decimal": model.KindDecimal,
			}
			for p, k := range wantKinds {
				c, ok := st[p]
				if !ok {
					t.Errorf("no stats for %s (have %d columns)", p, len(st))
					continue
				}
				if c.Min.Kind != k || c.Max.Kind != k {
					t.Errorf("%s: kind %s/%s, want %s", p, c.Min.Kind, c.Max.Kind, k)
				}
			}
			// The first file (by path) holds the row with value 0 and
			// timestamp 2000-01-01T00:00:00.000-08:00.
			row := 0
			if c := st["as_int"]; c != nil && c.Min.Valid[row] {
				if c.Min.Ints[row] != 0 || c.NullCount[row] != 0 {
					t.Errorf("as_int min %d nulls %d", c.Min.Ints[row], c.NullCount[row])
				}
			}
			if c := st["as_timestamp"]; c != nil {
				found := false
				for i := range c.Min.Valid {
					if c.Min.Valid[i] && c.Min.Ints[i] == us("2000-01-01T08:00:00Z") {
						found = true
						// A millisecond-truncated max is widened by 999µs.
						if c.Max.Ints[i] != us("2000-01-01T08:00:00Z")+999 {
							t.Errorf("as_timestamp max %d, want min+999", c.Max.Ints[i])
						}
					}
				}
				if !found {
					t.Errorf("no file with as_timestamp min 2000-01-01T08:00:00Z")
				}
			}
		})
	}
}

// TestParsedStats reads statistics from checkpoint stats_parsed columns.
func TestParsedStats(t *testing.T) {
	for _, name := range []string{"v1-single-part-struct-stats-only", "v1-multi-part-struct-stats-only", "v2-parquet-sidecars-struct-stats-only"} {
		t.Run(name, func(t *testing.T) {
			s := fixtureSnapshot(t, name)
			if len(s.Files.Stats) == 0 {
				t.Fatalf("no statistics from stats_parsed")
			}
			for i, n := range s.Files.NumRecords {
				if n < 0 {
					t.Errorf("file %s: numRecords unknown", s.Files.Paths[i])
				}
			}
			for _, c := range s.Files.Stats {
				any := false
				for _, v := range c.Min.Valid {
					any = any || v
				}
				for _, n := range c.NullCount {
					any = any || n >= 0
				}
				if !any {
					t.Errorf("stats column %s is empty", c.Path)
				}
			}
		})
	}
}

// TestColumnMappingPartitions: physical partition keys map to logical names.
func TestColumnMappingPartitions(t *testing.T) {
	want := fixtureSnapshot(t, "partition_cm-none")
	for _, name := range []string{"partition_cm-name", "partition_cm-id"} {
		s := fixtureSnapshot(t, name)
		if len(s.Files.Partitions) != len(want.Files.Partitions) {
			t.Fatalf("%s: %d partition columns, want %d", name, len(s.Files.Partitions), len(want.Files.Partitions))
		}
		for j, p := range s.Files.Partitions {
			if p.Name != want.Files.Partitions[j].Name {
				t.Errorf("%s: partition %d is %q, want %q", name, j, p.Name, want.Files.Partitions[j].Name)
			}
		}
	}
}

func TestProtocolGate(t *testing.T) {
	tests := []struct {
		p    Protocol
		want error
	}{
		{Protocol{MinReaderVersion: 1}, nil},
		{Protocol{MinReaderVersion: 2}, nil},
		{Protocol{MinReaderVersion: 3, ReaderFeatures: []string{"columnMapping", "deletionVectors", "timestampNtz", "v2Checkpoint", "vacuumProtocolCheck", "typeWidening", "typeWidening-preview"}}, nil},
		{Protocol{MinReaderVersion: 3, ReaderFeatures: []string{"deletionVectors", "geospatial"}}, ErrUnsupportedReaderFeature},
		{Protocol{MinReaderVersion: 4}, ErrUnsupportedReaderVersion},
		{Protocol{MinReaderVersion: 0}, ErrUnsupportedReaderVersion},
	}
	for _, tc := range tests {
		err := checkProtocol(&tc.p)
		if tc.want == nil && err != nil || tc.want != nil && !errorsIs(err, tc.want) {
			t.Errorf("%+v: %v, want %v", tc.p, err, tc.want)
		}
	}
}

func errorsIs(err, target error) bool { return err != nil && errors.Is(err, target) }
