// Package lint enforces project rules that go vet does not know, as a test:
// the dependency direction between packages, library code that never exits
// the process or prints, and a package doc comment in every package.
package lint

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/deltaplan/deltaplan/internal/fixtures"
)

const module = "github.com/deltaplan/deltaplan/"

// pkgFiles parses the non-test Go files of every package under the repo,
// keyed by directory relative to the root.
func pkgFiles(t *testing.T) map[string][]*ast.File {
	t.Helper()
	root := fixtures.RepoRoot(t)
	fset := token.NewFileSet()
	pkgs := map[string][]*ast.File{}
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "bin") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		pkgs[filepath.ToSlash(rel)] = append(pkgs[filepath.ToSlash(rel)], f)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(pkgs) < 10 {
		t.Fatalf("found only %d packages under %s", len(pkgs), root)
	}
	return pkgs
}

func sortedKeys(m map[string][]*ast.File) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func imports(files []*ast.File) map[string]bool {
	out := map[string]bool{}
	for _, f := range files {
		for _, im := range f.Imports {
			p, _ := strconv.Unquote(im.Path.Value)
			out[p] = true
		}
	}
	return out
}

// TestDependencyDirection: identity, kernel and cachekey know nothing of
// flags or files; the shared model depends on no other project package;
// workflow and the ledger store know nothing of each other; library
// packages never import the command.
func TestDependencyDirection(t *testing.T) {
	forbidden := map[string][]string{
		"model":    {module, "os", "io/fs", "flag", "github.com/spf13/"},
		"identity": {"os", "io/fs", "flag", "github.com/spf13/", module + "delta", module + "lineage", module + "scanunit", module + "planbundle", module + "kernel"},
		"kernel":   {"os", "io/fs", "flag", "github.com/spf13/", module},
		// Cache keys are pure: no files, no store, no other project package.
		"cachekey": {"os", "io/fs", "flag", "github.com/spf13/", module},
		// Planning reads the ledger through workflow.Ledger; the SQLite store
		// stays out of it, and the store knows nothing of workflows.
		"workflow": {module + "ledger", "database/sql", "modernc.org/"},
		"ledger":   {module + "workflow", module + "planbundle", module + "delta"},
		// One storage seam: only package storage parses a LOCATION and
		// opens stores; the reader, the writer and the stores take an
		// opened storage and a root.
		"delta":      {module + "objstore", module + "storage", module + "deltawrite"},
		"objstore":   {module + "storage"},
		"deltawrite": {module + "storage"},
		// Freshness is decided from keys and a history alone.
		"freshness": {"os", "io/fs", "flag", "github.com/spf13/", "database/sql", module + "ledger", module + "workflow", module + "planbundle", module + "delta"},
	}
	pkgs := pkgFiles(t)
	for _, dir := range sortedKeys(pkgs) {
		ims := imports(pkgs[dir])
		for _, bad := range forbidden[dir] {
			for im := range ims {
				if im == bad || strings.HasPrefix(im, bad) && (strings.HasSuffix(bad, "/") || strings.HasPrefix(im, bad+"/")) {
					t.Errorf("%s imports %s: it must not depend on %s", dir, im, bad)
				}
			}
		}
		if !strings.HasPrefix(dir, "cmd/") {
			for im := range ims {
				if strings.HasPrefix(im, module+"cmd/") || strings.HasPrefix(im, "github.com/spf13/") {
					t.Errorf("library package %s imports %s: flags belong to cmd/deltaplan", dir, im)
				}
			}
		}
	}
}

// TestLibrariesDoNotExitOrPrint: only the command decides exit codes and
// writes to stdout; libraries return errors.
func TestLibrariesDoNotExitOrPrint(t *testing.T) {
	banned := map[string]bool{
		"os.Exit": true, "log.Fatal": true, "log.Fatalf": true, "log.Println": true, "log.Printf": true,
		"fmt.Println": true, "fmt.Printf": true, "fmt.Print": true,
	}
	pkgs := pkgFiles(t)
	for _, dir := range sortedKeys(pkgs) {
		if strings.HasPrefix(dir, "cmd/") {
			continue
		}
		for _, f := range pkgs[dir] {
			ast.Inspect(f, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				sel, ok := call.Fun.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				if x, ok := sel.X.(*ast.Ident); ok && banned[x.Name+"."+sel.Sel.Name] {
					t.Errorf("%s (%s): calls %s.%s; return an error instead", dir, f.Name.Name, x.Name, sel.Sel.Name)
				}
				return true
			})
		}
	}
}

// TestPackageDocs: every package says what it is for.
func TestPackageDocs(t *testing.T) {
	pkgs := pkgFiles(t)
	for _, dir := range sortedKeys(pkgs) {
		documented := false
		for _, f := range pkgs[dir] {
			if f.Doc != nil && strings.TrimSpace(f.Doc.Text()) != "" {
				documented = true
			}
		}
		if !documented {
			t.Errorf("package %s has no package doc comment", dir)
		}
	}
}
