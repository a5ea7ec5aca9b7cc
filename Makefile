# downtime: build, cross-compile, test. `make help` lists the targets.

VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X main.version=$(VERSION)
GOFLAGS   := -trimpath
PLATFORMS := linux/amd64 linux/arm64 darwin/arm64
GO        ?= go

.PHONY: build cross test check clean help

## build: static binary for this machine, ./downtime
build:
	CGO_ENABLED=0 $(GO) build $(GOFLAGS) -ldflags '$(LDFLAGS)' -o downtime .

## cross: static binaries for every release platform, dist/downtime-OS-ARCH
cross:
	@mkdir -p dist
	@set -e; for p in $(PLATFORMS); do \
		os=$${p%/*}; arch=$${p#*/}; out=dist/downtime-$$os-$$arch; \
		echo "$$out ($(VERSION))"; \
		CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build $(GOFLAGS) -ldflags '$(LDFLAGS)' -o $$out .; \
	done

## test: the README's test command (as root, the real-network tests run too)
test:
	$(GO) test -race ./...

## check: what CI checks besides the tests
check:
	@test -z "$$(gofmt -l . | tee /dev/stderr)"
	$(GO) vet ./...

## clean: remove what the build made
clean:
	rm -rf dist downtime

## help: this list
help:
	@sed -n 's/^## //p' $(MAKEFILE_LIST)
