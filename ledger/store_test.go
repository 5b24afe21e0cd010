package ledger

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOpenCreateReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ledger.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if s.Path() != path {
		t.Errorf("Path() = %q, want %q", s.Path(), path)
	}
	if err := s.SavePlan(ctx, chainRun("r1", t0)); err != nil {
		t.Fatal(err)
	}
	var mode string
	if err := s.db.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
	var version string
	if err := s.db.QueryRow("SELECT value FROM meta WHERE key = 'schema_version'").Scan(&version); err != nil || version != fmt.Sprint(SchemaVersion) {
		t.Errorf("schema_version = %q, %v; want %d", version, err, SchemaVersion)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	hdr, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := hdr[68:72]; !bytes.Equal(got, []byte("DPLN")) {
		t.Errorf("application_id bytes = %q, want DPLN", got)
	}
	s, err = Open(ctx, path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	r, err := s.Run(ctx, "r1")
	if err != nil {
		t.Fatalf("reopened store lost the run: %v", err)
	}
	if len(r.Nodes) != 5 {
		t.Errorf("reopened run has %d nodes, want 5", len(r.Nodes))
	}
}

func TestSchemaVersionMatchesMigrations(t *testing.T) {
	if SchemaVersion != len(migrations) {
		t.Fatalf("SchemaVersion = %d but there are %d migrations", SchemaVersion, len(migrations))
	}
}

func TestOpenEmptyFileIsNewStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "empty.db")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatalf("should open a 0-byte file as a new store: %v", err)
	}
	defer s.Close()
	if err := s.SavePlan(context.Background(), chainRun("r1", t0)); err != nil {
		t.Fatal(err)
	}
}

func TestOpenMissingParent(t *testing.T) {
	_, err := Open(context.Background(), filepath.Join(t.TempDir(), "no", "such", "ledger.db"))
	if err == nil || !strings.Contains(err.Error(), "parent directory") {
		t.Fatalf("should refuse a path whose parent does not exist: %v", err)
	}
}

// makeSQLite creates an SQLite database with SQL statements, bypassing the
// ledger.
func makeSQLite(t *testing.T, path string, stmts ...string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range stmts {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

func TestOpenRefusesForeignFiles(t *testing.T) {
	random := make([]byte, 8192)
	rand.Read(random)
	tests := []struct {
		name   string
		make   func(t *testing.T, path string)
		want   error
		reason string
	}{
		{"text file", func(t *testing.T, p string) { os.WriteFile(p, []byte("hello, this is not a database\n"), 0o644) },
			ErrNotStore, "should refuse: not SQLite"},
		{"short text file", func(t *testing.T, p string) { os.WriteFile(p, []byte("x"), 0o644) },
			ErrNotStore, "should refuse: one byte is not SQLite"},
		{"random bytes", func(t *testing.T, p string) { os.WriteFile(p, random, 0o644) },
			ErrNotStore, "should refuse: random bytes"},
		{"sqlite magic then garbage", func(t *testing.T, p string) {
			b := append([]byte("SQLite format 3\x00"), random...)
			os.WriteFile(p, b, 0o644)
		}, ErrNotStore, "should refuse: a header with another application id"},
		{"foreign sqlite", func(t *testing.T, p string) {
			makeSQLite(t, p, "CREATE TABLE t (a, b)", "INSERT INTO t VALUES (1, 2)")
		}, ErrNotStore, "should refuse: an SQLite database of another application (no application_id)"},
		{"foreign sqlite with app id", func(t *testing.T, p string) {
			makeSQLite(t, p, "PRAGMA application_id = 1234", "CREATE TABLE t (a)")
		}, ErrNotStore, "should refuse: another application's id"},
		{"foreign sqlite in WAL without tables", func(t *testing.T, p string) {
			makeSQLite(t, p, "PRAGMA journal_mode = WAL", "CREATE TABLE t (a)", "DROP TABLE t")
		}, ErrNotStore, "should refuse: a non-empty SQLite file without our id, even with no tables"},
		{"newer schema", func(t *testing.T, p string) {
			s, err := Open(context.Background(), p)
			if err != nil {
				t.Fatal(err)
			}
			s.Close()
			makeSQLite(t, p, fmt.Sprintf("UPDATE meta SET value = '%d' WHERE key = 'schema_version'", SchemaVersion+1))
		}, ErrNewerSchema, "should refuse: a ledger of schema version 2"},
		{"ledger id without meta", func(t *testing.T, p string) {
			makeSQLite(t, p, fmt.Sprintf("PRAGMA application_id = %d", ApplicationID), "CREATE TABLE other (a)")
		}, ErrCorrupt, "should refuse: our id but no meta table"},
		{"directory", func(t *testing.T, p string) { os.Mkdir(p, 0o755) },
			ErrNotStore, "should refuse: a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "file.db")
			tt.make(t, path)
			before, _ := os.ReadFile(path)
			entries, _ := os.ReadDir(dir)
			s, err := Open(context.Background(), path)
			if err == nil {
				s.Close()
				t.Fatalf("%s: Open succeeded", tt.reason)
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("%s: got %v, want %v", tt.reason, err, tt.want)
			}
			if !strings.Contains(err.Error(), path) {
				t.Errorf("error %q does not name the file", err)
			}
			after, _ := os.ReadFile(path)
			if !bytes.Equal(before, after) {
				t.Errorf("%s: the file was modified", tt.reason)
			}
			entries2, _ := os.ReadDir(dir)
			if len(entries2) != len(entries) {
				t.Errorf("%s: files next to it changed: %d -> %d entries", tt.reason, len(entries), len(entries2))
			}
		})
	}
}

// bigStore writes a store with enough nodes to span many pages and
// returns its path (closed).
func bigStore(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ledger.db")
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	r := genRun("big", t0, 2000, 0)
	if err := s.SavePlan(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Record(context.Background(), genResults(r), fakeRekey); err != nil {
		t.Fatal(err)
	}
	s.Close()
	return path
}

func TestCorruptStore(t *testing.T) {
	tests := []struct {
		name   string
		damage func(t *testing.T, path string, size int64)
	}{
		{"truncated to half", func(t *testing.T, p string, size int64) { os.Truncate(p, size/2) }},
		{"truncated to two pages", func(t *testing.T, p string, size int64) { os.Truncate(p, 8192) }},
		{"middle pages overwritten", func(t *testing.T, p string, size int64) {
			f, _ := os.OpenFile(p, os.O_WRONLY, 0)
			defer f.Close()
			junk := bytes.Repeat([]byte{0xA5, 0x5A, 0xFF, 0x00}, int(size/8))
			f.WriteAt(junk[:size/4], size/3)
		}},
		{"schema page overwritten", func(t *testing.T, p string, size int64) {
			f, _ := os.OpenFile(p, os.O_WRONLY, 0)
			defer f.Close()
			f.WriteAt(bytes.Repeat([]byte{0xEE}, 3000), 100)
		}},
		{"every other page zeroed", func(t *testing.T, p string, size int64) {
			f, _ := os.OpenFile(p, os.O_WRONLY, 0)
			defer f.Close()
			for off := int64(4096); off < size; off += 8192 {
				f.WriteAt(make([]byte, 4096), off)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := bigStore(t)
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			tt.damage(t, path, fi.Size())
			err = useStore(path)
			if err == nil {
				t.Fatal("should fail: the store is damaged, yet every call succeeded")
			}
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("should be ErrCorrupt: %v", err)
			}
			t.Logf("%s: %v", tt.name, err)
		})
	}
}

// useStore opens path and reads everything; the first error is returned.
func useStore(path string) error {
	ctx := context.Background()
	s, err := Open(ctx, path)
	if err != nil {
		return err
	}
	defer s.Close()
	if _, err := s.Runs(ctx); err != nil {
		return err
	}
	if _, err := s.Run(ctx, "big"); err != nil {
		return err
	}
	if _, err := s.Lineage(ctx, ""); err != nil {
		return err
	}
	keys := make([]string, 2000)
	for i := range keys {
		keys[i] = genKey(i, 0)
	}
	if _, err := s.Succeeded(ctx, keys); err != nil {
		return err
	}
	return s.Check(ctx)
}
