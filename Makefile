# otelcol-tapio: build, run and test the distribution.
#
#   make run     build the binary and run it on the default config
#   make test    the whole test suite
#
# Tools are pinned in internal/tools/go.mod and run with `go tool`, so a
# fresh machine needs nothing but Go and this repository.

GO        ?= go
TOOL      := $(GO) tool -modfile=internal/tools/go.mod
DIST_DIR  := distributions/otelcol-tapio
BIN       := bin/otelcol-tapio
CONFIG    ?= $(DIST_DIR)/config.yaml
# Every config the repository ships; `make validate` checks each one.
SHIPPED_CONFIGS := $(wildcard $(DIST_DIR)/*.yaml) deploy/config/agent.yaml deploy/config/gateway.yaml
# The same flags ocb uses, so a plain `go build` reuses ocb's cache.
BUILD_FLAGS := -trimpath -ldflags='-s -w'
TEST_FLAGS  ?= -race -count=1 -timeout 30m
FUZZTIME    ?= 20s

.PHONY: all build run k8s-assets test bench bench-e2e fuzz generate generate-dist generate-bpf check-generated lint validate deploy-check image tidy clean

all: build

## build: generate the distribution's sources with the pinned ocb, then compile them
build: generate-dist
	CGO_ENABLED=0 $(GO) build $(BUILD_FLAGS) -o $(BIN) ./$(DIST_DIR)
	@echo "built $(BIN)"

## run: build and run otelcol-tapio on the default config, on this host
run: build
	@echo
	@echo "otelcol-tapio is starting on $(CONFIG)."
	@echo "  Kernel events (exec, exit, OOM kills, TCP, DNS) from tapio_ebpf are decoded"
	@echo "  into UnifiedEvents and printed by the debug exporter; the collector's own"
	@echo "  metrics are fed into the metrics pipeline every 10 s."
	@echo "  OTLP in: gRPC localhost:4317, HTTP localhost:4318."
	@echo "  Own metrics: http://localhost:8888/metrics  health: http://localhost:13133/"
	@echo "  Stop with Ctrl-C."
	@if [ "$$(id -u)" != 0 ]; then \
	  echo; echo "  Not root: loading BPF programs needs root (or CAP_BPF and CAP_PERFMON),"; \
	  echo "  so tapio_ebpf will refuse to start. Run 'sudo make run'."; fi
	@echo
	./$(BIN) --config $(CONFIG)

## k8s-assets: build kube-apiserver, etcd and kwok for the tests, once, into a cache outside the tree
k8s-assets:
	$(GO) run ./internal/k8stest/cmd/k8sassets

## test: every test in the repository
test: k8s-assets
	$(GO) test $(TEST_FLAGS) ./...

## bench: every benchmark; results go into BENCHMARKS.md by hand, with the machine
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

## bench-e2e: the built collector under real load (1k, 10k, 50k events/s, max; idle; start to ready), as root
LOAD_FLAGS ?= -load.duration 10s -load.idle 30s
bench-e2e:
	$(GO) test -run '^$$' -bench '^BenchmarkAgentLoad$$' -benchtime 1x -timeout 15m ./test/e2e/ $(LOAD_FLAGS)

## fuzz: run each fuzz target for FUZZTIME
fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
	  for target in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "fuzz $$pkg $$target"; \
	    $(GO) test -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME) $$pkg; \
	  done; \
	done

## generate: regenerate all generated code (mdatagen, the distribution's sources)
generate: generate-dist generate-bpf
	$(GO) generate ./...

# bpf2go compiles bpf/tapio.c for amd64 and arm64 and writes the embedded
# objects and Go bindings into internal/ebpf (needs clang, llvm-strip and
# libbpf-dev's headers; the output is reproducible and committed).
generate-bpf:
	$(GO) generate ./internal/ebpf/...

# ocb writes main.go and components.go from builder-config.yaml. It also
# writes a go.mod for a module of its own; this repository is one module, so
# that file is removed and the root go.mod compiles the sources.
generate-dist:
	$(TOOL) builder --config builder-config.yaml --skip-compilation --skip-get-modules
	rm -f $(DIST_DIR)/go.mod $(DIST_DIR)/go.sum
	gofmt -w $(DIST_DIR)/*.go

## check-generated: fail when generated code differs from what is committed
check-generated: generate
	@git add -N . && git diff --exit-code --stat -- . ':!bin' \
	  || { echo "generated code is stale: run 'make generate' and commit the result"; exit 1; }

## lint: gofmt, go vet, staticcheck
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(TOOL) staticcheck ./...

## validate: check every shipped config with the built binary
validate: build
	@set -e; for c in $(SHIPPED_CONFIGS); do \
	  echo "validate $$c"; ./$(BIN) validate --config $$c; \
	done

## image: the container image (scratch base, static binary, CA bundle); needs docker
IMAGE      ?= otelcol-tapio:0.1.0-dev
DOCKERFILE ?= $(DIST_DIR)/Dockerfile
image: build
	cp /etc/ssl/certs/ca-certificates.crt bin/ca-certificates.crt
	docker build -f $(DOCKERFILE) -t $(IMAGE) .

## deploy-check: render deploy/ (base and every overlay) with the kustomize library, apply it
## with server-side dry-run to a real kube-apiserver, and check the agent's RBAC as its ServiceAccount
deploy-check: k8s-assets
	$(GO) test $(TEST_FLAGS) ./internal/deploycheck/...

tidy:
	$(GO) mod tidy
	cd internal/tools && $(GO) mod tidy

clean:
	rm -rf bin
