package ledger

import (
	"context"
	"database/sql"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deltaplan/deltaplan/ledger/ledgertest"
)

// The ledger suite runs against both backends: each test wrapped in
// eachBackend runs once on an SQLite file and once on PostgreSQL (a fresh
// schema of the database DELTAPLAN_POSTGRES_URL names; the Makefile's test
// target starts a throwaway server with scripts/postgres/with-postgres.sh).

const pgURLEnv = ledgertest.URLEnv

// eachBackend runs fn as subtests "sqlite" and "postgres"; openTemp and
// tempStore open the backend the subtest names.
func eachBackend(t *testing.T, fn func(t *testing.T)) {
	t.Run("sqlite", fn)
	t.Run("postgres", fn)
}

func onPostgres(t testing.TB) bool { return strings.Contains(t.Name(), "/postgres") }

// tempStore returns a new, empty store location of the subtest's backend:
// an SQLite path, or a PostgreSQL URL whose search_path is a new schema.
func tempStore(t testing.TB) string {
	t.Helper()
	if !onPostgres(t) {
		return filepath.Join(t.TempDir(), "ledger.db")
	}
	return pgSchema(t)
}

func pgSchema(t testing.TB) string { return ledgertest.PostgresSchema(t) }

func TestPGSQLTranslation(t *testing.T) {
	for _, tt := range []struct{ in, want, reason string }{
		{"SELECT a FROM t WHERE x = ? AND y = ?", "SELECT a FROM t WHERE x = $1 AND y = $2", "positional placeholders are numbered"},
		{"WITH w AS (SELECT value FROM json_each(?1) j) SELECT ?2", "WITH w AS (SELECT value FROM json_array_elements_text(CAST($1 AS json)) AS j(value)) SELECT $2", "numbered ones keep their number"},
		{"SELECT lower(hex(k.hash)) FROM json_each(?) j JOIN keys k ON k.hash = unhex(j.value)",
			"SELECT encode(k.hash, 'hex') FROM json_array_elements_text(CAST($1 AS json)) AS j(value) JOIN keys k ON k.hash = decode(j.value, 'hex')", "hex functions"},
	} {
		if got := pgSQL(tt.in); got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.reason, got, tt.want)
		}
	}
}

// TestPostgresPasswordsNeverShow: a password in the URL, in PGPASSWORD or
// in a .pgpass file opens the store, and no error or path shows it.
func TestPostgresPasswordsNeverShow(t *testing.T) {
	t.Run("postgres", func(t *testing.T) {
		ctx := context.Background()
		good := pgSchema(t)
		u, _ := url.Parse(good)
		pw, ok := u.User.Password()
		if !ok || pw == "" {
			t.Fatalf("%s carries no password: the server should ask for one", pgURLEnv)
		}
		noPW := *u
		noPW.User = url.User(u.User.Username())
		wrong := *u
		const sentinel = "Wr0ng-S3cret-pw"
		wrong.User = url.UserPassword(u.User.Username(), sentinel)

		shows := func(what string, err error, secrets ...string) {
			t.Helper()
			if err == nil {
				return
			}
			for _, s := range secrets {
				if strings.Contains(err.Error(), s) {
					t.Errorf("%s: error shows the password: %v", what, err)
				}
			}
		}
		// A wrong password in the URL: refused, never shown.
		_, err := Open(ctx, wrong.String())
		if err == nil {
			t.Fatal("a wrong password opened the store")
		}
		shows("wrong password", err, sentinel)
		// The right one: the path and later errors mask it.
		s, err := Open(ctx, good)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(s.Path(), pw) {
			t.Errorf("Path() shows the password: %s", s.Path())
		}
		_, err = s.Run(ctx, "no-such-run")
		if !errors.Is(err, ErrUnknownRun) {
			t.Errorf("unknown run: %v", err)
		}
		shows("unknown run", err, pw)
		if err := s.Check(ctx); err != nil {
			t.Errorf("check: %v", err)
		}
		s.Close()
		// PGPASSWORD.
		t.Setenv("PGPASSWORD", pw)
		s, err = Open(ctx, noPW.String())
		if err != nil {
			t.Fatalf("PGPASSWORD: %v", err)
		}
		_, err = s.Run(ctx, "no-such-run")
		shows("PGPASSWORD, unknown run", err, pw)
		s.Close()
		t.Setenv("PGPASSWORD", sentinel)
		_, err = Open(ctx, noPW.String())
		if err == nil {
			t.Error("a wrong PGPASSWORD opened the store")
		}
		shows("wrong PGPASSWORD", err, sentinel)
		os.Unsetenv("PGPASSWORD")
		// A .pgpass file (as libpq reads it: host:port:database:user:password).
		passfile := filepath.Join(t.TempDir(), "pgpass")
		line := u.Hostname() + ":" + u.Port() + ":" + strings.TrimPrefix(u.Path, "/") + ":" + u.User.Username() + ":" + pw + "\n"
		if err := os.WriteFile(passfile, []byte(line), 0o600); err != nil {
			t.Fatal(err)
		}
		t.Setenv("PGPASSFILE", passfile)
		s, err = Open(ctx, noPW.String())
		if err != nil {
			t.Fatalf(".pgpass: %v", err)
		}
		s.Close()
	})
}

// TestPostgresRefusesOtherDatabases: a schema that holds someone else's
// tables is refused and left as it was.
func TestPostgresRefusesOtherDatabases(t *testing.T) {
	t.Run("postgres", func(t *testing.T) {
		ctx := context.Background()
		target := pgSchema(t)
		db, err := sql.Open("pgx", target)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.Exec("CREATE TABLE orders (id INT); INSERT INTO orders VALUES (1)"); err != nil {
			t.Fatal(err)
		}
		if _, err := Open(ctx, target); !errors.Is(err, ErrNotStore) {
			t.Fatalf("a database of another application: %v, want ErrNotStore", err)
		}
		var tables, rows int
		db.QueryRow("SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()").Scan(&tables)
		db.QueryRow("SELECT count(*) FROM orders").Scan(&rows)
		if tables != 1 || rows != 1 {
			t.Errorf("the refused database changed: %d tables, %d rows", tables, rows)
		}
		// A newer ledger is refused too.
		other := pgSchema(t)
		s, err := Open(ctx, other)
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
		db2, _ := sql.Open("pgx", other)
		defer db2.Close()
		if _, err := db2.Exec("UPDATE meta SET value = '99' WHERE key = 'schema_version'"); err != nil {
			t.Fatal(err)
		}
		if _, err := Open(ctx, other); !errors.Is(err, ErrNewerSchema) {
			t.Errorf("a newer ledger: %v, want ErrNewerSchema", err)
		}
	})
}
