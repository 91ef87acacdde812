# auditkit: `make test` is the one command README and .ci/run call.
GO          ?= go
STATICCHECK ?= $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2
FUZZTIME    ?= 10s
BENCHCOUNT  ?= 6
# Modules kept apart so library users never download their dependencies.
SUBMODULES  := $(wildcard bench e2e e2e/collector grpcaudit)
# Library modules of their own (gRPC stays out of the core): tested like the core.
LIBMODULES  := $(wildcard grpcaudit)

.PHONY: test lint vet unit alloc fresh bench fuzz cover demo grpc-demo e2e

test: lint fresh unit alloc

lint:
	@echo "== gofmt"; out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	@echo "== go vet"; $(GO) vet ./...
	@for m in $(SUBMODULES); do echo "== go vet ($$m)"; (cd $$m && $(GO) vet ./...) || exit 1; done
	@echo "== staticcheck"; $(STATICCHECK) ./...
	@for m in $(LIBMODULES); do echo "== staticcheck ($$m)"; (cd $$m && $(STATICCHECK) ./...) || exit 1; done

# The race detector also runs every fuzz target over its committed seeds (testdata/fuzz).
unit:
	@echo "== go test -race"; $(GO) test -race -count=1 ./...
	@for m in $(LIBMODULES); do echo "== go test -race ($$m)"; (cd $$m && $(GO) test -race -count=1 ./...) || exit 1; done

# -race disables the allocation pins, so they run again without it.
alloc:
	@echo "== allocation pins"; $(GO) test -count=1 -run 'Alloc' ./...
	@for m in $(LIBMODULES); do echo "== allocation pins ($$m)"; (cd $$m && $(GO) test -count=1 -run 'Alloc' ./...) || exit 1; done

# go generate and go mod tidy must leave no diff (CI runs this on a clean
# clone; locally it compares the tree before and after, so work in progress
# does not trip it).
fresh:
	@echo "== go generate, go mod tidy leave no diff"; \
	state() { git status --porcelain=v1 -uall; git diff; }; before=$$(state | sha256sum); \
	$(GO) generate ./... && $(GO) mod tidy && \
	for m in $(SUBMODULES); do (cd $$m && $(GO) mod tidy) || exit 1; done; \
	if [ "$$(state | sha256sum)" != "$$before" ]; then git status --short; git diff --stat; \
		echo "go generate or go mod tidy changed files: run them and commit"; exit 1; fi

bench:
	cd bench && $(GO) test -run '^$$' -bench . -benchmem -count=$(BENCHCOUNT) ./...

# Each fuzz target for FUZZTIME; their seeds under testdata/fuzz also run in `make test`.
FUZZ_TARGETS := \
	./internal/jsonenc:FuzzAppendString ./internal/jsonenc:FuzzScanNumber \
	./slogaudit:FuzzHandle ./slogaudit:FuzzOTLP ./slogaudit:FuzzTranscode ./slogaudit:FuzzHandlerNoLeak ./slogaudit:FuzzNoDuplicateKeys \
	./redact:FuzzRedact ./internal/redaction:FuzzEnter ./internal/redaction:FuzzMatchValue ./modelaudit:FuzzDiff \
	./internal/clientip:FuzzClientIP ./httpaudit:FuzzIgnoredOnlyCanonical ./httpaudit:FuzzBodyReplay ./httpaudit:FuzzQueryNoLeak \
	./auditchain:FuzzChainRoundTrip ./auditchain:FuzzVerify ./cmd/auditkit-loki-init:FuzzQuoting ./internal/otlp:FuzzBatch
# Targets in the grpcaudit module (run from its directory).
GRPC_FUZZ_TARGETS := .:FuzzMetadata

fuzz:
	@for t in $(FUZZ_TARGETS); do pkg=$${t%%:*}; fn=$${t##*:}; \
		echo "== $$fn ($$pkg)"; $(GO) test -run '^$$' -fuzz "^$$fn$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; done
	@for t in $(GRPC_FUZZ_TARGETS); do pkg=$${t%%:*}; fn=$${t##*:}; \
		echo "== $$fn (grpcaudit)"; (cd grpcaudit && $(GO) test -run '^$$' -fuzz "^$$fn$$" -fuzztime $(FUZZTIME) $$pkg) || exit 1; done

cover:
	$(GO) test -coverprofile=cover.out ./... && $(GO) tool cover -func=cover.out | tail -1

demo:
	$(GO) run ./cmd/auditkit-demo

grpc-demo:
	cd grpcaudit && $(GO) run ./cmd/grpcaudit-demo

# Real consumers: installs VictoriaLogs with go install, starts it on a loopback
# port, runs the e2e module's tests against it and stops it by PID.
e2e:
	bash e2e/run.sh
