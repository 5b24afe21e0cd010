package workflow

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/deltaplan/deltaplan/kernel"
)

// Workflow is a parsed workflow file.
//
// Invariants (checked by Parse): table and view names are non-empty and
// unique case-insensitively across both lists (a read must resolve to one of
// them); every view has a plan; every version pin names a table of the
// workflow and is >= 0. Tables and Views are sorted by name; relative paths
// are resolved against the workflow file's directory.
type Workflow struct {
	// Path is the file the workflow was read from (used in errors).
	Path   string
	Tables []Table
	Views  []View
	// Defaults are the behaviors of nodes that set none: Behavior for
	// views, ScanBehavior for scan units (the external reads).
	Defaults Defaults
}

// Defaults are a workflow's default behaviors.
type Defaults struct {
	Behavior     kernel.Behavior
	ScanBehavior kernel.Behavior
}

// Table is one Delta table of a workflow.
type Table struct {
	Name     string
	Location string // a local path (resolved) or an object-store URI
}

// View is one view of a workflow.
type View struct {
	Name     string
	Plan     string // the Substrait plan file (resolved)
	Session  string // the session file (resolved); "" means the empty session
	Behavior kernel.Behavior
	// BehaviorSet tells an explicit "behavior" (even "default") from none,
	// which falls back to the workflow's defaults.
	BehaviorSet bool
	// Pins are per-table version pins, sorted by table; an unpinned table
	// is read at the version Build pins for the whole workflow (its latest).
	Pins []Pin
}

// Pin pins one table at a version for one view.
type Pin struct {
	Table   string
	Version int64
}

// fileJSON is the file's shape; unknown fields are rejected.
type fileJSON struct {
	Tables   map[string]string   `json:"tables"`
	Views    map[string]viewJSON `json:"views"`
	Defaults *defaultsJSON       `json:"defaults"`
}

type defaultsJSON struct {
	Behavior     string `json:"behavior"`
	ScanBehavior string `json:"scan_behavior"`
}

type viewJSON struct {
	Plan     string           `json:"plan"`
	Session  string           `json:"session"`
	Behavior *string          `json:"behavior"`
	Versions map[string]int64 `json:"versions"`
}

// Load reads and parses a workflow file.
func Load(path string) (*Workflow, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read workflow %s: %w", path, err)
	}
	return Parse(data, path)
}

// Parse parses a workflow file's content; path names it in errors and its
// directory anchors relative paths. The format:
//
//	{"tables": {"sales": "sales"},
//	 "views": {"by_region": {"plan": "plans/by_region.json",
//	                         "session": "session.json",
//	                         "behavior": "default",
//	                         "versions": {"sales": 3}}}}
//
// Every problem of the content is reported at once.
func Parse(data []byte, path string) (*Workflow, error) {
	var f fileJSON
	if err := decodeStrict(data, &f, true); err != nil {
		return nil, fmt.Errorf("workflow %s: %w", path, err)
	}
	dir := filepath.Dir(path)
	w := &Workflow{Path: path}
	var probs []string
	seen := map[string]string{} // lower-case name -> "table X" / "view X"
	claim := func(kind, name string) {
		key := strings.ToLower(name)
		switch {
		case name == "":
			probs = append(probs, fmt.Sprintf("a %s has an empty name", kind))
		case seen[key] != "":
			probs = append(probs, fmt.Sprintf("%s %q clashes with %s (names are case-insensitive)", kind, name, seen[key]))
		default:
			seen[key] = fmt.Sprintf("%s %q", kind, name)
		}
	}
	for _, name := range sortedKeys(f.Tables) {
		claim("table", name)
		loc := f.Tables[name]
		if loc == "" {
			probs = append(probs, fmt.Sprintf("table %q has no location", name))
		}
		w.Tables = append(w.Tables, Table{Name: name, Location: resolveLocation(dir, loc)})
	}
	if len(f.Views) == 0 {
		probs = append(probs, "no views")
	}
	for _, name := range sortedKeys(f.Views) {
		claim("view", name)
		vj := f.Views[name]
		v := View{Name: name}
		if vj.Plan == "" {
			probs = append(probs, fmt.Sprintf("view %q has no plan", name))
		} else {
			v.Plan = resolvePath(dir, vj.Plan)
		}
		if vj.Session != "" {
			v.Session = resolvePath(dir, vj.Session)
		}
		if vj.Behavior != nil {
			v.BehaviorSet = true
			if err := v.Behavior.UnmarshalText([]byte(*vj.Behavior)); err != nil || *vj.Behavior == "" {
				probs = append(probs, fmt.Sprintf("view %q: behavior %q: want default, recompute, disable or ignore", name, *vj.Behavior))
			}
		}
		for _, t := range sortedKeys(vj.Versions) {
			n := vj.Versions[t]
			if _, ok := f.Tables[t]; !ok {
				probs = append(probs, fmt.Sprintf("view %q pins table %q, which the workflow does not name", name, t))
			}
			if n < 0 {
				probs = append(probs, fmt.Sprintf("view %q pins table %q at negative version %d", name, t, n))
			}
			v.Pins = append(v.Pins, Pin{Table: t, Version: n})
		}
		w.Views = append(w.Views, v)
	}
	if d := f.Defaults; d != nil {
		for _, b := range []struct {
			field string
			text  string
			dst   *kernel.Behavior
		}{{"behavior", d.Behavior, &w.Defaults.Behavior}, {"scan_behavior", d.ScanBehavior, &w.Defaults.ScanBehavior}} {
			if err := b.dst.UnmarshalText([]byte(b.text)); err != nil {
				probs = append(probs, fmt.Sprintf("defaults: %s %q: want default, recompute, disable or ignore", b.field, b.text))
			}
		}
	}
	if len(probs) > 0 {
		return nil, fmt.Errorf("workflow %s: %w: %s", path, ErrInvalid, strings.Join(probs, "; "))
	}
	return w, nil
}

// View returns the named view (exact name).
func (w *Workflow) View(name string) (View, bool) {
	i, ok := slices.BinarySearchFunc(w.Views, name, func(v View, n string) int { return cmp.Compare(v.Name, n) })
	if !ok {
		return View{}, false
	}
	return w.Views[i], true
}

// resolvePath anchors a relative file path at dir.
func resolvePath(dir, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}

// resolveLocation anchors a relative local location at dir; URIs
// (scheme://...) are kept as they are.
func resolveLocation(dir, loc string) string {
	if loc == "" || strings.Contains(loc, "://") {
		return loc
	}
	return resolvePath(dir, loc)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
