// Package ledgertest gives tests a throwaway place on the PostgreSQL server
// that `make test` starts (scripts/postgres/with-postgres.sh), so the ledger
// and command-line suites run against both backends the same way.
package ledgertest

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// URLEnv names the server's URL; DELTAPLAN_POSTGRES set without it is a
// broken test setup, not a reason to skip.
const URLEnv = "DELTAPLAN_POSTGRES_URL"

// PostgresSchema creates a fresh schema on the server of $DELTAPLAN_POSTGRES_URL
// and returns a URL whose search_path is that schema; the schema is dropped
// when the test ends. Without a server the test is skipped, saying so.
func PostgresSchema(tb testing.TB) string {
	tb.Helper()
	base := os.Getenv(URLEnv)
	if base == "" {
		if os.Getenv("DELTAPLAN_POSTGRES") != "" {
			tb.Fatalf("%s is not set although DELTAPLAN_POSTGRES is", URLEnv)
		}
		tb.Skipf("PostgreSQL skipped: %s is not set (make test starts a server: scripts/postgres/with-postgres.sh)", URLEnv)
	}
	var b [6]byte
	rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	db, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("CREATE SCHEMA " + schema); err != nil {
		tb.Fatalf("create schema: %v", err)
	}
	tb.Cleanup(func() {
		if db, err := sql.Open("pgx", base); err == nil {
			db.Exec("DROP SCHEMA " + schema + " CASCADE")
			db.Close()
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatalf("%s: %v", URLEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
