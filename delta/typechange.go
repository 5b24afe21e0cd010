package delta

import (
	"encoding/json"
	"fmt"
	"strings"
)

// metaTypeChanges is the field metadata key of type widening: the type
// changes a column went through, oldest first.
const metaTypeChanges = "delta.typeChanges"

type typeChange struct {
	FromType  string `json:"fromType"`
	ToType    string `json:"toType"`
	FieldPath string `json:"fieldPath"`
}

// checkTypeChanges refuses a schema whose delta.typeChanges record a change
// outside the protocol's type-widening table: values written before such a
// change cannot be read as the new type (the protocol requires refusing).
// A malformed entry is corrupt metadata.
func checkTypeChanges(s *Schema) error {
	var walk func(fields []Field, at string) error
	walk = func(fields []Field, at string) error {
		for i := range fields {
			f := &fields[i]
			path := joinPath(at, f.Name)
			if raw, ok := f.Metadata[metaTypeChanges]; ok {
				var changes []typeChange
				if err := json.Unmarshal(raw, &changes); err != nil {
					return fmt.Errorf("%w: column %s: %s: %v", ErrInvalidSchema, path, metaTypeChanges, err)
				}
				for _, c := range changes {
					col := path
					if c.FieldPath != "" {
						col += "." + c.FieldPath
					}
					if !supportedWidening(c.FromType, c.ToType) {
						return &TypeChangeError{Column: col, From: c.FromType, To: c.ToType}
					}
				}
			}
			if err := walkType(f.Type, path, walk); err != nil {
				return err
			}
		}
		return nil
	}
	return walk(s.Fields, "")
}

func walkType(t *Type, at string, walk func([]Field, string) error) error {
	switch t.Name {
	case "struct":
		return walk(t.Fields, at)
	case "array":
		return walkType(t.Element, at+".element", walk)
	case "map":
		if err := walkType(t.Key, at+".key", walk); err != nil {
			return err
		}
		return walkType(t.Value, at+".value", walk)
	}
	return nil
}

// supportedWidening is the protocol's type-widening table.
func supportedWidening(from, to string) bool {
	ft, err1 := parsePrimitive(strings.TrimSpace(from), "")
	tt, err2 := parsePrimitive(strings.TrimSpace(to), "")
	if err1 != nil || err2 != nil {
		return false
	}
	intRank := map[string]int{"byte": 1, "short": 2, "integer": 3, "long": 4}
	fr, fInt := intRank[ft.Name]
	tr, tInt := intRank[tt.Name]
	switch {
	case fInt && tInt:
		return fr < tr
	case ft.Name == "float" && tt.Name == "double":
		return true
	case ft.Name == "date" && tt.Name == "timestamp_ntz":
		return true
	case fInt && fr <= 3 && tt.Name == "double":
		return true
	case ft.Name == "decimal" && tt.Name == "decimal":
		k1, k2 := tt.Precision-ft.Precision, tt.Scale-ft.Scale
		return k1 >= k2 && k2 >= 0
	case fInt && tt.Name == "decimal":
		base := 10
		if ft.Name == "long" {
			base = 20
		}
		k1, k2 := tt.Precision-base, tt.Scale
		return k1 >= k2 && k2 >= 0
	}
	return false
}
