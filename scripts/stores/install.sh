#!/usr/bin/env bash
# Installs the three object-store servers the objstore tests run against,
# cached under $DELTAPLAN_STORES_CACHE (default ~/.cache/deltaplan-stores):
#   versitygw v1.8.0 (S3), fake-gcs-server v1.56.1 (GCS), Azurite 3.37.0 (Azure Blob).
# Each failure names its step and exits non-zero.
set -euo pipefail

CACHE="${DELTAPLAN_STORES_CACHE:-$HOME/.cache/deltaplan-stores}"
BIN="$CACHE/bin"
VERSITYGW_VERSION=v1.8.0
FAKEGCS_VERSION=v1.56.1
AZURITE_VERSION=3.37.0

fail() { echo "stores: install: $*" >&2; exit 1; }

mkdir -p "$BIN" || fail "create cache directory $BIN"

# A stamp per version: a cached binary of another version is rebuilt.
install_go() { # name module version
	local name=$1 module=$2 version=$3
	if [[ -x "$BIN/$name" && -f "$BIN/.$name-$version" ]]; then
		return 0
	fi
	command -v go >/dev/null || fail "go is not on PATH (needed to build $name)"
	echo "stores: installing $name $version (first time takes a minute)" >&2
	GOBIN="$BIN" GOFLAGS=-mod=mod go install "$module@$version" \
		|| fail "go install $module@$version"
	touch "$BIN/.$name-$version"
}

install_go versitygw github.com/versity/versitygw/cmd/versitygw "$VERSITYGW_VERSION"
install_go fake-gcs-server github.com/fsouza/fake-gcs-server "$FAKEGCS_VERSION"

AZ="$CACHE/azurite-$AZURITE_VERSION"
if [[ ! -x "$AZ/node_modules/.bin/azurite-blob" ]]; then
	command -v npm >/dev/null || fail "npm is not on PATH (needed for azurite@$AZURITE_VERSION)"
	echo "stores: installing azurite $AZURITE_VERSION from npm" >&2
	mkdir -p "$AZ" || fail "create $AZ"
	npm install --prefix "$AZ" --no-audit --no-fund --loglevel=error "azurite@$AZURITE_VERSION" >&2 \
		|| fail "npm install azurite@$AZURITE_VERSION"
	[[ -x "$AZ/node_modules/.bin/azurite-blob" ]] || fail "azurite-blob missing after npm install"
fi
