package ledger

import (
	"context"
	"database/sql"
	"errors"
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
	_, err = openWith(ctx, path, append(migrations[:1:1], failing))
	if err == nil {
		t.Fatal("should fail: migration 2 fails")
	}
	s, err = Open(ctx, path)
	if err != nil {
		t.Fatalf("should still open at version 1 after a failed migration: %v", err)
	}
	if got := schemaVersion(t, s); got != "1" {
		t.Errorf("schema_version after a failed migration = %s, want 1", got)
	}
	if tableExists(t, s, "half") {
		t.Error("a failed migration left table half behind")
	}
	s.Close()

	// Migration 2 runs once, keeps the data and moves the version.
	for i := range 2 {
		s, err = openWith(ctx, path, append(migrations[:1:1], v2))
		if err != nil {
			t.Fatalf("open %d with migration 2: %v", i, err)
		}
		if got := schemaVersion(t, s); got != "2" {
			t.Errorf("schema_version = %s, want 2", got)
		}
		if !tableExists(t, s, "notes") {
			t.Error("migration 2 did not create notes")
		}
		if _, err := s.Run(ctx, "r1"); err != nil {
			t.Errorf("migration lost run r1: %v", err)
		}
		s.Close()
	}

	// This build (version 1) refuses the migrated store.
	if _, err := Open(ctx, path); !errors.Is(err, ErrNewerSchema) {
		t.Fatalf("should refuse a version 2 store with ErrNewerSchema: %v", err)
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
