# deltaplan — see README.md. `make demo` runs the main job on the bundled
# example; `make test` runs vet and every test (CI calls it via .ci/run).
GO      ?= go
BIN     := bin/deltaplan
PKGS    := ./...
BENCHTIME ?= 1x

.PHONY: all build test test-local demo bench lint fmt clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/deltaplan

# The object-store suites run against real servers on loopback, installed
# (cached in ~/.cache/deltaplan-stores) and started by scripts/stores, and
# stopped when the tests end; the ledger suites also against a throwaway
# PostgreSQL cluster (scripts/postgres).
test:
	$(GO) vet $(PKGS)
	DELTAPLAN_DUCKDB=$$(bash scripts/duckdb/install.sh) && export DELTAPLAN_DUCKDB && \
	bash scripts/stores/with-stores.sh bash scripts/postgres/with-postgres.sh $(GO) test -count=1 -timeout 30m $(PKGS)

# Unit tests without the object-store servers (their suites skip, saying so).
test-local:
	$(GO) vet $(PKGS)
	$(GO) test -count=1 -timeout 30m $(PKGS)

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)

fmt:
	gofmt -w $$(git ls-files '*.go')

bench:
	bash scripts/stores/with-stores.sh $(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) $(PKGS)

demo: build
	@bash scripts/demo.sh $(BIN)

clean:
	rm -rf bin
