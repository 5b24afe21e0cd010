#!/usr/bin/env bash
# Installs the DuckDB oracle the scan tests compare against: the npm package
# @duckdb/node-api (a prebuilt DuckDB shipped inside the npm package), cached
# under $DELTAPLAN_DUCKDB_CACHE (default ~/.cache/deltaplan-duckdb), first
# time only. Prints the directory holding node_modules. Each failure names
# its step and exits non-zero.
set -euo pipefail

CACHE="${DELTAPLAN_DUCKDB_CACHE:-$HOME/.cache/deltaplan-duckdb}"
VERSION=1.5.6-r.1
DIR="$CACHE/node-api-$VERSION"

fail() { echo "duckdb: install: $*" >&2; exit 1; }

if [[ ! -f "$DIR/.installed" ]]; then
	command -v npm >/dev/null || fail "npm is not on PATH (needed for @duckdb/node-api@$VERSION)"
	command -v node >/dev/null || fail "node is not on PATH"
	echo "duckdb: installing @duckdb/node-api $VERSION from npm (first time only)" >&2
	mkdir -p "$DIR" || fail "create $DIR"
	npm install --prefix "$DIR" --no-audit --no-fund --loglevel=error "@duckdb/node-api@$VERSION" >&2 \
		|| fail "npm install @duckdb/node-api@$VERSION"
	node -e "require('$DIR/node_modules/@duckdb/node-api')" >&2 \
		|| fail "@duckdb/node-api does not load after npm install"
	touch "$DIR/.installed"
fi
echo "$DIR"
