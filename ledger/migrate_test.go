package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
)

func tableExists(t *testing.T, s *Store, name string) bool {
	t.Helper()
	var n int
	if err := s.db.QueryRow("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?", name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n == 1
}

func schemaVersion(t *testing.T, s *Store) string {
	t.Helper()
	var v string
	if err := s.db.QueryRow("SELECT value FROM meta WHERE key = 'schema_version'").Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestMigrationRunner(t *testing.T) {
	ctx := context.Background()
	v2 := migration{name: "v2: notes", up: func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "CREATE TABLE notes (run INTEGER REFERENCES runs (seq), note TEXT)")
		return err
	}}
	failing := migration{name: "v2: broken", up: func(ctx context.Context, tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "CREATE TABLE half (a)"); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "CREATE TABLE runs (a)") // exists: fails
		return err
	}}
	path := filepath.Join(t.TempDir(), "ledger.db")

	// Version 1, with a run in it.
	s, err := openWith(ctx, path, migrations)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SavePlan(ctx, chainRun("r1", t0)); err != nil {
		t.Fatal(err)
	}
	s.Close()

	// A failing migration 2 leaves version 1 and no trace of its tables.
	_, err = openWith(ctx, path, append(migrations[:2:2], failing))
	if err == nil {
		t.Fatal("should fail: migration 2 fails")
	}
	s, err = Open(ctx, path)
	if err != nil {
		t.Fatalf("should still open at version 1 after a failed migration: %v", err)
	}
	if got := schemaVersion(t, s); got != "2" {
		t.Errorf("schema_version after a failed migration = %s, want 2", got)
	}
	if tableExists(t, s, "half") {
		t.Error("a failed migration left table half behind")
	}
	s.Close()

	// Migration 2 runs once, keeps the data and moves the version.
	for i := range 2 {
		s, err = openWith(ctx, path, append(migrations[:2:2], v2))
		if err != nil {
			t.Fatalf("open %d with migration 2: %v", i, err)
		}
		if got := schemaVersion(t, s); got != "3" {
			t.Errorf("schema_version = %s, want 3", got)
		}
		if !tableExists(t, s, "notes") {
			t.Error("migration 2 did not create notes")
		}
		if _, err := s.Run(ctx, "r1"); err != nil {
			t.Errorf("migration lost run r1: %v", err)
		}
		s.Close()
	}

	// This build (version 2) refuses the migrated store.
	if _, err := Open(ctx, path); !errors.Is(err, ErrNewerSchema) {
		t.Fatalf("should refuse a version 3 store with ErrNewerSchema: %v", err)
	}
}

func TestMigrationFromEmptyRunsEveryStep(t *testing.T) {
	ctx := context.Background()
	var ran []int
	migs := []migration{
		{name: "v1", up: func(ctx context.Context, tx *sql.Tx) error { ran = append(ran, 1); return migrateV1(ctx, tx) }},
		{name: "v2", up: func(ctx context.Context, tx *sql.Tx) error { ran = append(ran, 2); return nil }},
		{name: "v3", up: func(ctx context.Context, tx *sql.Tx) error { ran = append(ran, 3); return nil }},
	}
	s, err := openWith(ctx, filepath.Join(t.TempDir(), "l.db"), migs)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if len(ran) != 3 || ran[0] != 1 || ran[1] != 2 || ran[2] != 3 {
		t.Errorf("migrations ran %v, want [1 2 3]", ran)
	}
	if got := schemaVersion(t, s); got != "3" {
		t.Errorf("schema_version = %s, want 3", got)
	}
}

// TestMigrateV1ToV2 writes a version-1 store by hand (two runs, records of
// a planned and a re-keyed key) and checks that version 2 reads the same
// runs, records and lookups.
func TestMigrateV1ToV2(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v1.db")
	s, err := openWith(ctx, path, migrations[:1])
	if err != nil {
		t.Fatal(err)
	}
	h := func(k string) []byte { return keyHash(k) }
	for _, stmt := range []struct {
		q    string
		args []any
	}{
		{`INSERT INTO runs (seq, id, created_at, workflow, signature, requested, edges, generations, node_count) VALUES
			(1, 'r1', 1000, 'wf', 's1', '["x"]', '[["scan:a","view:x"]]', '[["scan:a"],["view:x"]]', 2),
			(2, 'r2', 2000, 'wf', 's2', '["x"]', '[["scan:a","view:x"]]', '[["scan:a"],["view:x"]]', 2)`, nil},
		{`INSERT INTO cache_keys (hash, key) VALUES (?, 'k:a'), (?, 'k:x'), (?, 'k:x-final')`, []any{h("k:a"), h("k:x"), h("k:x-final")}},
		{`INSERT INTO nodes (run, name, kind, key_hash, code_version, dependencies, pending, data_version, admitted, status, behavior, generation, detail) VALUES
			(1, 'scan:a', 'scan_unit', ?, 'ca', '{}', '[]', 'da', 1, 'missing', 'default', 0, CAST('{"v":1}' AS BLOB)),
			(1, 'view:x', 'view', ?, 'cx', '{"scan:a":"da"}', '["scan:a"]', '', 1, 'missing', 'default', 1, NULL),
			(2, 'scan:a', 'scan_unit', ?, 'ca', '{}', '[]', 'da', 1, 'fresh', 'default', 0, CAST('{"v":2}' AS BLOB)),
			(2, 'view:x', 'view', ?, 'cx', '{"scan:a":"da"}', '[]', '', 0, '', 'default', -1, NULL)`, []any{h("k:a"), h("k:x"), h("k:a"), h("k:x")}},
		{`INSERT INTO records (seq, run, node, key_hash, planned_hash, code_version, data_version, dependencies, status, recorded_at) VALUES
			(1, 1, 'scan:a', ?, ?, 'ca', 'd1', NULL, 'succeeded', 1500),
			(2, 1, 'view:x', ?, ?, 'cx', NULL, '{"scan:a":"d1"}', 'succeeded', 1600)`, []any{h("k:a"), h("k:a"), h("k:x-final"), h("k:x")}},
	} {
		if _, err := s.db.ExecContext(ctx, stmt.q, stmt.args...); err != nil {
			t.Fatalf("%s: %v", stmt.q, err)
		}
	}
	s.Close()

	s, err = Open(ctx, path)
	if err != nil {
		t.Fatalf("migrate: %v", err)
	}
	defer s.Close()
	if got := schemaVersion(t, s); got != "2" {
		t.Errorf("schema_version = %s, want 2", got)
	}
	for _, old := range []string{"nodes", "cache_keys", "runs2", "records2"} {
		if tableExists(t, s, old) {
			t.Errorf("table %s survived the migration", old)
		}
	}
	r1, err := s.Run(ctx, "r1")
	if err != nil {
		t.Fatal(err)
	}
	if len(r1.Nodes) != 2 || r1.Nodes[1].Name != "view:x" || r1.Nodes[1].CacheKey != "k:x" || r1.Nodes[1].Dependencies["scan:a"] != "da" ||
		!r1.Nodes[1].Admitted || fmt.Sprint(r1.Edges) != "[[scan:a view:x]]" || fmt.Sprint(r1.Generations) != "[[scan:a] [view:x]]" {
		t.Errorf("run r1 after migration: %+v", r1)
	}
	r2, err := s.Run(ctx, "r2")
	if err != nil {
		t.Fatal(err)
	}
	if r2.Nodes[1].Admitted || r2.Nodes[1].Generation != -1 || r2.Nodes[0].Status != "fresh" {
		t.Errorf("run r2 after migration: %+v", r2.Nodes)
	}
	got, err := s.Latest(ctx, []string{"k:a", "k:x", "k:x-final"})
	if err != nil {
		t.Fatal(err)
	}
	if got["k:a"].RunID != "r1" || got["k:a"].DataVersion != "d1" || got["k:a"].Attempt != 1 || got["k:x-final"].Node != "view:x" || got["k:x-final"].CodeVersion != "cx" {
		t.Errorf("Latest after migration: %+v", got)
	}
	if _, ok := got["k:x"]; ok {
		t.Error("the planned key of a re-keyed record has a record")
	}
	rows, err := s.Lineage(ctx, "r1")
	if err != nil || len(rows) != 2 || rows[1].CacheKey != "k:x-final" || rows[1].DependenciesDataVersions["scan:a"] != "d1" {
		t.Errorf("lineage after migration: %+v, %v", rows, err)
	}
}
