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
