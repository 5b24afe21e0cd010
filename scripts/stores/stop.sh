#!/usr/bin/env bash
# Stops the servers start.sh started (by their recorded pids) and removes
# the state directory.
set -uo pipefail
STATE="${1:?usage: stop.sh STATE_DIR}"
for name in versitygw fake-gcs-server azurite-blob; do
	if [[ -f "$STATE/$name.pid" ]]; then
		pid=$(cat "$STATE/$name.pid")
		kill "$pid" 2>/dev/null
		for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$pid" 2>/dev/null
	fi
done
case "$STATE" in
*/deltaplan-stores.*) rm -rf "$STATE" ;;
esac
exit 0
