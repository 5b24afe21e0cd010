#!/usr/bin/env bash
# Renders the demo's schedule page (the ledger run after a commit to a
# partition a view reads: fresh, stale and missing nodes) with
# `deltaplan schedule --html`, then screenshots it in headless Chromium
# (Debian's `chromium` package, installed here when missing) to
# docs/schedule.png for the README.
#
# Usage: bash scripts/render-dag-png.sh [OUT.png]
set -euo pipefail
cd "$(dirname "$0")/.."
PNG=${1:-docs/schedule.png}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

if ! command -v chromium >/dev/null 2>&1; then
	echo "installing Debian's chromium (apt-get) ..." >&2
	SUDO=
	if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
	$SUDO apt-get update -qq
	$SUDO apt-get install -y -qq chromium >/dev/null
fi

make -s build
DEMO_HTML="$WORK/schedule.html" bash scripts/demo.sh bin/deltaplan >/dev/null
test -s "$WORK/schedule.html" || { echo "render-dag-png: the demo wrote no page" >&2; exit 1; }

# The page loads nothing from the network; keep Chromium offline anyway.
mkdir -p "$(dirname "$PNG")"
chromium --headless=new --no-sandbox --disable-gpu --hide-scrollbars \
	--no-first-run --disable-extensions --proxy-server='127.0.0.1:9' \
	--user-data-dir="$WORK/profile" \
	--window-size=1200,330 --screenshot="$(pwd)/$PNG" "file://$WORK/schedule.html" 2>"$WORK/chromium.log" ||
	{ cat "$WORK/chromium.log" >&2; exit 1; }
test -s "$PNG" || { echo "render-dag-png: chromium wrote no $PNG" >&2; cat "$WORK/chromium.log" >&2; exit 1; }
echo "wrote $PNG"
