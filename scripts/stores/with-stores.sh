#!/usr/bin/env bash
# Runs a command with the object-store servers up and their environment
# set (DELTAPLAN_STORES=1 and DELTAPLAN_S3_*/GCS_*/AZURE_*), then stops
# them. Usage: bash scripts/stores/with-stores.sh go test ./objstore/...
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
STATE=$(bash "$HERE/start.sh") || { echo "stores: could not start the object-store servers (see above)" >&2; exit 1; }
trap 'bash "$HERE/stop.sh" "$STATE"' EXIT INT TERM
# shellcheck disable=SC1091
source "$STATE/env"
"$@"
