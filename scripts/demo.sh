#!/usr/bin/env bash
# The main job on the bundled example: pin the example Delta table, list its
# files, and (as the pipeline grows) fingerprint a plan over it and schedule
# a workflow. Every step must succeed.
set -euo pipefail
BIN=${1:-bin/deltaplan}
cd "$(dirname "$0")/.."
step() { printf '\n$ %s\n' "$*"; "$@"; }

step "$BIN" snapshot testdata/example/sales
step "$BIN" files testdata/example/sales
