#!/usr/bin/env bash
# The main job on the bundled example (testdata/example): pin the example
# Delta table, prune its files, trace a plan's lineage, build and sign its
# plan bundle, explain a drift, and schedule a workflow of views twice to
# show incremental freshness. Every step must succeed.
set -euo pipefail
BIN=${1:-bin/deltaplan}
cd "$(dirname "$0")/.."
EX=testdata/example
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
# step prints a command as a user would type it, then runs it.
step() {
	local shown=() a
	for a in "$@"; do
		if [[ $a =~ [[:space:]\'] ]]; then shown+=("\"$a\""); else shown+=("$a"); fi
	done
	printf '\n$ %s\n' "${shown[*]}"
	"$@"
}

step "$BIN" snapshot $EX/sales
step "$BIN" snapshot $EX/sales --timestamp 2024-05-01T02:30:00Z
step "$BIN" files $EX/sales --filter "region IN ('EU', 'NA') AND order_date >= DATE '2024-05-02'"
step "$BIN" lineage $EX/plans/revenue_by_region.json
step "$BIN" plan $EX/plans/revenue_by_region.json --table sales=$EX/sales --session $EX/session.json
step "$BIN" fingerprint $EX/plans/revenue_by_region.json --table sales=$EX/sales --session $EX/session.json

# Drift: the same plan pinned one version earlier. diff exits 1 when the
# bundles differ, which is the expected outcome here.
"$BIN" plan $EX/plans/revenue_by_region.json --table sales=$EX/sales --session $EX/session.json --json > "$OUT/now.json"
"$BIN" plan $EX/plans/revenue_by_region.json --table sales=$EX/sales --session $EX/session.json --version sales=3 --json > "$OUT/v3.json"
printf '\n$ %s\n' "$BIN diff now.json v3.json"
rc=0; "$BIN" diff "$OUT/now.json" "$OUT/v3.json" || rc=$?
[ "$rc" -eq 1 ] || { echo "demo: expected diff to report a difference (exit 1), got $rc" >&2; exit 1; }

# Scheduling: a first run, then a second run against it (all fresh except
# the view marked recompute), then only one view and its ancestors.
step "$BIN" schedule $EX/workflow.json
"$BIN" schedule $EX/workflow.json --json > "$OUT/schedule.json"
step "$BIN" schedule $EX/workflow.json --previous "$OUT/schedule.json"
step "$BIN" schedule $EX/workflow.json --previous "$OUT/schedule.json" --view region_report

# The run ledger: plan against a store, record what an engine ran, then
# commit to a partition no view reads (everything stays fresh) and to one
# that a view reads (only that view and its dependents run, and the cause
# names the table, both versions and the new file). The table is a copy:
# the example stays as committed.
WS="$OUT/ws"
cp -R $EX "$WS"
DB="$OUT/ledger.db"
# results_of prints a results file saying every task of a schedule's run
# list succeeded (what an engine would report).
results_of() {
	local id
	id=$(sed -n 's/^  "run_id": "\(.*\)",$/\1/p' "$1")
	printf '{"run_id": "%s", "tasks": [' "$id"
	awk '/^  "run": \[$/{f=1;next} f&&/^  \]/{f=0} f{gsub(/[ ",]/,""); printf "%s{\"name\": \"%s\", \"status\": \"succeeded\"}", sep, $0; sep=", "}' "$1"
	printf ']}\n'
}
# commit_copy TABLE SRC DST VERSION commits a copy of a data file (with its
# statistics) under a new name.
commit_copy() {
	local table=$1 src=$2 dst=$3 version=$4 add
	cp "$table/$src" "$table/$dst"
	add=$(grep -h "\"path\":\"$src\"" "$table"/_delta_log/*.json | head -1)
	printf '{"commitInfo":{"inCommitTimestamp":%s,"timestamp":%s,"operation":"WRITE"}}\n%s\n' \
		"171455${version}000000" "171455${version}000000" "${add/$src/$dst}" > "$table/_delta_log/$(printf '%020d' "$version").json"
}
step "$BIN" schedule "$WS/workflow.json" --store "$DB" --log "$OUT/events.jsonl"
"$BIN" schedule "$WS/workflow.json" --store "$DB" --diagnostics "$OUT/diag" --json > "$OUT/run1.json"
results_of "$OUT/run1.json" > "$OUT/results1.json"
step "$BIN" record --store "$DB" "$OUT/results1.json" --diagnostics "$OUT/diag"
RUN1=$(sed -n 's/^  "run_id": "\(.*\)",$/\1/p' "$OUT/run1.json")
step "$BIN" drift --store "$DB" --run "$RUN1"

printf '\n# a new APAC file (version 5): no view reads APAC, so only the recompute view runs\n'
commit_copy "$WS/sales" region=APAC/part-00000-5a1e0000-0c0d-4e0f-8a1b-000000000001.c000.snappy.parquet \
	region=APAC/part-00009-5a1e0009-0c0d-4e0f-8a1b-000000000009.c000.snappy.parquet 5
step "$BIN" schedule "$WS/workflow.json" --store "$DB"

printf '\n# a new EU file of 2024-05-02 (version 6): revenue_by_region reads it, so it and the report over it run\n'
commit_copy "$WS/sales" region=EU/part-00001-5a1e0001-0c0d-4e0f-8a1b-000000000002.c000.snappy.parquet \
	region=EU/part-00009-5a1e0009-0c0d-4e0f-8a1b-000000000009.c000.snappy.parquet 6
step "$BIN" schedule "$WS/workflow.json" --store "$DB" ${DEMO_HTML:+--html "$DEMO_HTML"}   # scripts/render-dag-png.sh draws this run
KEY=$(sed -n 's/^      "cache_key": "\(.*\)",$/\1/p' "$OUT/run1.json" | tail -1)
step "$BIN" cache decode "$KEY"
printf '\n$ %s\n' "$BIN cache lineage --store ledger.db --run $RUN1 | head -3"
"$BIN" cache lineage --store "$DB" --run "$RUN1" > "$OUT/lineage.jsonl"   # a file, not a pipe: head must not cut the writer off
head -3 "$OUT/lineage.jsonl"

# Diagnostics are Delta tables: the run above wrote schedule_nodes,
# plan_bundles, scan_units, lineage_reads, run_results and drift under
# $OUT/diag; any Delta reader can query them. Read two back.
step "$BIN" snapshot "$OUT/diag/schedule_nodes"
printf '\n$ %s\n' "$BIN diagnostics diag run_results --run $RUN1 | head -2"
"$BIN" diagnostics "$OUT/diag" run_results --run "$RUN1" > "$OUT/rows.jsonl"
head -2 "$OUT/rows.jsonl"
printf '\n$ %s\n' "$BIN diagnostics diag plan_bundles --run $RUN1 | head -1"
"$BIN" diagnostics "$OUT/diag" plan_bundles --run "$RUN1" > "$OUT/rows.jsonl"
head -1 "$OUT/rows.jsonl"
