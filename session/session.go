package session

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/deltaplan/deltaplan/identity"
)

// Setting is one session setting. Keys are case-sensitive (engine settings
// such as Spark's are), trimmed of surrounding white space; values are
// kept verbatim.
type Setting struct {
	Key   string
	Value string
}

// UDF is one user-defined function the session provides. See the package
// documentation for what ImplementationDigest must cover.
type UDF struct {
	Name                 string `json:"name"`
	Signature            string `json:"signature"`
	ImplementationDigest string `json:"implementation_digest"`
}

// Identity is the UDF's identity hash over name, signature and
// implementation digest.
func (u UDF) Identity() identity.Digest {
	e := identity.New("udf")
	u.encode(e)
	d, _ := e.Sum() // a fixed shape cannot misuse the encoder
	return d
}

func (u UDF) encode(e *identity.Encoder) {
	e.Struct(3)
	e.Field("name")
	e.String(u.Name)
	e.Field("signature")
	e.String(u.Signature)
	e.Field("implementation_digest")
	e.String(u.ImplementationDigest)
}

// Spec is a session as written in Go. New normalizes and validates it.
type Spec struct {
	Settings    map[string]string
	UDFs        []UDF
	RewriteTags []string
	Planners    []string
}

// Runtime is a normalized, immutable session snapshot.
//
// Invariants (established by New and Parse): settings sorted by unique,
// non-empty key; UDFs sorted by (name, signature), each (name, signature)
// unique, name and implementation digest non-empty; rewrite tags and
// planners sorted sets of non-empty strings. Enabled planners are a set:
// a pipeline whose order matters must say so in the planner names or a
// setting.
type Runtime struct {
	settings []Setting
	udfs     []UDF
	tags     []string
	planners []string
}

// New builds a Runtime from Go values.
func New(s Spec) (*Runtime, error) {
	settings := make([]Setting, 0, len(s.Settings))
	for _, k := range slices.Sorted(maps.Keys(s.Settings)) {
		settings = append(settings, Setting{k, s.Settings[k]})
	}
	return build("session", settings, s.UDFs, s.RewriteTags, s.Planners)
}

// build normalizes and validates; src names the input in errors. It reports
// every problem at once.
func build(src string, settings []Setting, udfs []UDF, tags, planners []string) (*Runtime, error) {
	var probs []string
	bad := func(format string, args ...any) { probs = append(probs, fmt.Sprintf(format, args...)) }

	r := &Runtime{}
	seen := map[string]bool{}
	for _, s := range settings {
		k := strings.TrimSpace(s.Key)
		switch {
		case k == "":
			bad("settings: empty key")
		case seen[k]:
			bad("settings: key %q given twice", k)
		default:
			seen[k] = true
			r.settings = append(r.settings, Setting{k, s.Value})
		}
	}
	slices.SortFunc(r.settings, func(a, b Setting) int { return strings.Compare(a.Key, b.Key) })

	r.udfs = slices.Clone(udfs)
	slices.SortStableFunc(r.udfs, func(a, b UDF) int {
		return cmp.Or(strings.Compare(a.Name, b.Name), strings.Compare(a.Signature, b.Signature))
	})
	for i, u := range r.udfs {
		if u.Name == "" {
			bad("udfs: a UDF has no name (signature %q)", u.Signature)
		}
		if u.ImplementationDigest == "" {
			bad("udfs: %s(%s) has no implementation_digest", u.Name, u.Signature)
		}
		if i > 0 && r.udfs[i-1].Name == u.Name && r.udfs[i-1].Signature == u.Signature {
			bad("udfs: %s(%s) given twice", u.Name, u.Signature)
		}
	}

	var err error
	if r.tags, err = sortedSet("rewrite_tags", tags); err != nil {
		bad("%v", err)
	}
	if r.planners, err = sortedSet("planners", planners); err != nil {
		bad("%v", err)
	}
	if len(probs) > 0 {
		return nil, fmt.Errorf("%s: %w: %s", src, ErrInvalid, strings.Join(probs, "; "))
	}
	return r, nil
}

// sortedSet sorts and de-duplicates a set of names; an empty name is an error.
func sortedSet(field string, in []string) ([]string, error) {
	out := slices.Compact(slices.Sorted(slices.Values(in)))
	if len(out) > 0 && out[0] == "" {
		return nil, fmt.Errorf("%s: empty name", field)
	}
	if out == nil {
		out = []string{}
	}
	return out, nil
}

// Settings returns the settings sorted by key.
func (r *Runtime) Settings() []Setting { return slices.Clone(r.settings) }

// Setting returns the value of key.
func (r *Runtime) Setting(key string) (string, bool) {
	i, ok := slices.BinarySearchFunc(r.settings, key, func(s Setting, k string) int { return strings.Compare(s.Key, k) })
	if !ok {
		return "", false
	}
	return r.settings[i].Value, true
}

// UDFs returns the UDFs sorted by name, then signature.
func (r *Runtime) UDFs() []UDF { return slices.Clone(r.udfs) }

// LookupUDFs returns the UDFs named name (all overloads), case-sensitively.
func (r *Runtime) LookupUDFs(name string) []UDF {
	var out []UDF
	for _, u := range r.udfs {
		if u.Name == name {
			out = append(out, u)
		}
	}
	return out
}

// RewriteTags returns the sorted rewrite tags.
func (r *Runtime) RewriteTags() []string { return slices.Clone(r.tags) }

// Planners returns the sorted enabled planners.
func (r *Runtime) Planners() []string { return slices.Clone(r.planners) }

// UDFSnapshotHash hashes the identities of all UDFs, in their sorted order.
func (r *Runtime) UDFSnapshotHash() identity.Digest { return HashUDFs(r.udfs) }

// HashUDFs hashes the identities of a set of UDFs (a plan's called UDFs,
// say) in (name, signature) order, whatever order they are given in; the
// whole session's UDFs give UDFSnapshotHash.
func HashUDFs(udfs []UDF) identity.Digest {
	sorted := slices.Clone(udfs)
	slices.SortStableFunc(sorted, func(a, b UDF) int {
		return cmp.Or(strings.Compare(a.Name, b.Name), strings.Compare(a.Signature, b.Signature))
	})
	e := identity.New("udf-snapshot")
	e.List(len(sorted))
	for _, u := range sorted {
		e.Digest(u.Identity())
	}
	d, _ := e.Sum()
	return d
}

// SettingsHash hashes every setting (key and value). A setting is never
// attributed to a plan, so every plan's signature covers all of them.
func (r *Runtime) SettingsHash() identity.Digest {
	e := identity.New("settings")
	r.encodeSettings(e)
	d, err := e.Sum()
	if err != nil {
		// Settings are sorted and unique by construction; reaching this is our bug.
		panic(fmt.Sprintf("session: settings hash: %v", err))
	}
	return d
}

func (r *Runtime) encodeSettings(e *identity.Encoder) {
	e.Map(len(r.settings))
	for _, s := range r.settings {
		e.MapKey(s.Key)
		e.String(s.Value)
	}
	e.EndMap()
}

// Hash is the runtime hash: the whole snapshot (settings, UDF snapshot
// hash, rewrite tags, planners). It tells two sessions apart; a plan's
// signature covers only the parts that can change that plan's result
// (identity.Components), so this hash is recorded beside it, unsigned.
func (r *Runtime) Hash() identity.Digest {
	e := identity.New("runtime")
	e.Struct(4)
	e.Field("settings")
	r.encodeSettings(e)
	e.Field("udf_snapshot_hash")
	e.Digest(r.UDFSnapshotHash())
	e.Field("rewrite_tags")
	e.StringList(r.tags)
	e.Field("planners")
	e.StringList(r.planners)
	d, err := e.Sum()
	if err != nil {
		// Settings are sorted and unique by construction; reaching this is our bug.
		panic(fmt.Sprintf("session: runtime hash: %v", err))
	}
	return d
}
