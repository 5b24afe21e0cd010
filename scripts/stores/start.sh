#!/usr/bin/env bash
# Starts versitygw (posix backend over a temp dir), fake-gcs-server and
# azurite-blob on free loopback ports and writes the environment the tests
# read to $STATE/env (STATE is printed on stdout and defaults to a new temp
# dir). Stop them with stop.sh STATE. Any failure names its step.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${DELTAPLAN_STORES_CACHE:-$HOME/.cache/deltaplan-stores}"
BIN="$CACHE/bin"
AZ="$CACHE/azurite-3.37.0/node_modules/.bin/azurite-blob"

fail() { echo "stores: start: $*" >&2; [[ -n "${STATE:-}" ]] && bash "$HERE/stop.sh" "$STATE" >/dev/null 2>&1; exit 1; }

bash "$HERE/install.sh" || { echo "stores: start: install failed (see above)" >&2; exit 1; }

STATE="${1:-$(mktemp -d "${TMPDIR:-/tmp}/deltaplan-stores.XXXXXX")}"
mkdir -p "$STATE/s3" "$STATE/gcs" "$STATE/azurite" "$STATE/logs"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()' 2>/dev/null \
	|| node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

wait_port() { # name port pidfile
	local name=$1 port=$2 pid; pid=$(cat "$3")
	for _ in $(seq 1 150); do
		if ! kill -0 "$pid" 2>/dev/null; then
			fail "$name exited at startup; log: $(tail -5 "$STATE/logs/$name.log" 2>/dev/null)"
		fi
		if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
		sleep 0.2
	done
	fail "$name did not listen on 127.0.0.1:$port within 30 s; log: $(tail -5 "$STATE/logs/$name.log" 2>/dev/null)"
}

S3_PORT=$(free_port) || fail "find a free port for versitygw"
S3_ACCESS=deltaplan-test
S3_SECRET=deltaplan-test-secret-$RANDOM$RANDOM
ROOT_ACCESS_KEY_ID=$S3_ACCESS ROOT_SECRET_ACCESS_KEY=$S3_SECRET \
	"$BIN/versitygw" --port "127.0.0.1:$S3_PORT" --quiet posix "$STATE/s3" >"$STATE/logs/versitygw.log" 2>&1 &
echo $! >"$STATE/versitygw.pid"
wait_port versitygw "$S3_PORT" "$STATE/versitygw.pid"

GCS_PORT=$(free_port) || fail "find a free port for fake-gcs-server"
"$BIN/fake-gcs-server" -scheme http -host 127.0.0.1 -port "$GCS_PORT" -public-host "127.0.0.1:$GCS_PORT" \
	-backend filesystem -filesystem-root "$STATE/gcs" -log-level error >"$STATE/logs/fake-gcs-server.log" 2>&1 &
echo $! >"$STATE/fake-gcs-server.pid"
wait_port fake-gcs-server "$GCS_PORT" "$STATE/fake-gcs-server.pid"

AZ_PORT=$(free_port) || fail "find a free port for azurite-blob"
[[ -x "$AZ" ]] || fail "azurite-blob not installed at $AZ"
"$AZ" --blobHost 127.0.0.1 --blobPort "$AZ_PORT" --location "$STATE/azurite" --silent --skipApiVersionCheck --loose \
	>"$STATE/logs/azurite-blob.log" 2>&1 &
echo $! >"$STATE/azurite-blob.pid"
wait_port azurite-blob "$AZ_PORT" "$STATE/azurite-blob.pid"

# Azurite's public development account (documented, not a secret).
AZ_KEY='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='
cat >"$STATE/env" <<ENV
export DELTAPLAN_STORES=1
export DELTAPLAN_S3_ENDPOINT=http://127.0.0.1:$S3_PORT
export DELTAPLAN_S3_ACCESS_KEY=$S3_ACCESS
export DELTAPLAN_S3_SECRET_KEY=$S3_SECRET
export DELTAPLAN_GCS_HOST=127.0.0.1:$GCS_PORT
export DELTAPLAN_AZURE_CONNECTION_STRING='DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$AZ_KEY;BlobEndpoint=http://127.0.0.1:$AZ_PORT/devstoreaccount1;'
ENV
echo "$STATE"
