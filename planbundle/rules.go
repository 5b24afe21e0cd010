package planbundle

import (
	"cmp"
	"slices"
	"strings"

	"github.com/deltaplan/deltaplan/lineage"
	"github.com/deltaplan/deltaplan/session"
)

// baseName strips a Substrait signature suffix ("add:i64_i64" → "add").
func baseName(name string) string {
	if i := strings.IndexByte(name, ':'); i >= 0 {
		return name[:i]
	}
	return name
}

// requiredUDFs lists the session UDFs the plan calls (rule in the package
// doc), sorted by name, then signature.
func requiredUDFs(l *lineage.Lineage, rt *session.Runtime) []RequiredUDF {
	type key struct{ name, sig string }
	byKey := map[key]*RequiredUDF{}
	var out []*RequiredUDF
	for _, f := range l.Functions {
		for _, u := range rt.LookupUDFs(baseName(f.Name)) {
			k := key{u.Name, u.Signature}
			r := byKey[k]
			if r == nil {
				r = &RequiredUDF{Name: u.Name, Signature: u.Signature, ImplementationDigest: u.ImplementationDigest, Identity: u.Identity()}
				byKey[k] = r
				out = append(out, r)
			}
			use := strings.TrimSpace(f.URN + " " + f.Name)
			if !slices.Contains(r.Functions, use) {
				r.Functions = append(r.Functions, use)
			}
		}
	}
	slices.SortFunc(out, func(a, b *RequiredUDF) int {
		return cmp.Or(strings.Compare(a.Name, b.Name), strings.Compare(a.Signature, b.Signature))
	})
	res := make([]RequiredUDF, len(out))
	for i, r := range out {
		slices.Sort(r.Functions)
		res[i] = *r
	}
	return res
}

// calledUDFs turns required UDFs back into session UDFs, for hashing.
func calledUDFs(rs []RequiredUDF) []session.UDF {
	out := make([]session.UDF, len(rs))
	for i, r := range rs {
		out[i] = session.UDF{Name: r.Name, Signature: r.Signature, ImplementationDigest: r.ImplementationDigest}
	}
	return out
}

// joinKinds are the relation kinds a "join:" tag scope covers: every
// physical join and the cross product are joins a join rewrite can apply to.
var joinKinds = []string{"join", "hash_join", "merge_join", "nested_loop_join", "cross"}

// requiredRewriteTags lists the session's rewrite tags that apply to the
// plan (rule in the package doc), sorted.
func requiredRewriteTags(l *lineage.Lineage, rt *session.Runtime) []string {
	scopes := map[string]bool{}
	for kind, n := range l.Relations {
		if n > 0 {
			scopes[kind] = true
			if slices.Contains(joinKinds, kind) {
				scopes["join"] = true
			}
		}
	}
	for _, f := range l.Functions {
		scopes[baseName(f.Name)] = true
	}
	out := []string{}
	for _, tag := range rt.RewriteTags() { // sorted
		scope, _, scoped := strings.Cut(tag, ":")
		if !scoped || scopes[scope] {
			out = append(out, tag)
		}
	}
	return out
}
