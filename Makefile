# Makefile for community.missing_collection
# Copyright: contributors to community.missing_collection
# SPDX-License-Identifier: GPL-3.0-or-later
#
# `make help` lists the targets. Everything runs from the repository root and
# needs only Rust (cargo) and Python 3 on the machine; the rest (ansible-core,
# pytest, zig, cargo-zigbuild, shellcheck) is pip-installed into .venv/.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

# ---- settings (override on the command line: make test PYTHON=python3.11) ----
PYTHON       ?= python3
VENV         ?= .venv
CARGO        ?= cargo
# glibc 2.17 is the oldest glibc Rust supports on x86_64; binaries linked
# against it run on any newer glibc.
ZIG_TARGET   ?= x86_64-unknown-linux-gnu.2.17
RUST_TARGET  := $(firstword $(subst ., ,$(ZIG_TARGET)))
MODULES      := docker_hub_personal_token_info docker_hub_token
PYTEST_ARGS  ?=
# Where `make install` puts the collection; empty = ansible-galaxy's default.
COLLECTIONS_PATH ?=

# ansible-core versions tested by `make test-matrix`, each in .venvs/ansible-X.Y
# with its own Python (2.20 and later need Python >= 3.12).
MATRIX       := 2.15 2.19 2.21
PYTHON_2.15  ?= $(PYTHON)
PYTHON_2.19  ?= $(PYTHON)
PYTHON_2.21  ?= $(shell scripts/find-python 3.12)

VERSION      := $(shell sed -n 's/^version: *//p' galaxy.yml)
TARBALL      := build/community-missing_collection-$(VERSION).tar.gz
# A directory that holds ansible_collections/community/missing_collection,
# pointing at this checkout, for `make demo`.
DEV_COLLECTIONS := build/collections
DEV_LINK     := $(DEV_COLLECTIONS)/ansible_collections/community/missing_collection

VENV_BIN     := $(abspath $(VENV))/bin
# zig and cargo-zigbuild come from the venv.
BUILD_ENV    := PATH="$(VENV_BIN):$$PATH"

.PHONY: help venv build demo test test-rust test-e2e test-matrix fuzz collection install bench clean distclean

help: ## Show this list
	@echo "community.missing_collection $(VERSION): make targets"
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z0-9_.-]+:.*## / {printf "  %-14s %s\n", $$1, $$2}' $(MAKEFILE_LIST)
	@echo
	@echo "Settings: PYTHON=$(PYTHON) VENV=$(VENV) ZIG_TARGET=$(ZIG_TARGET) COLLECTIONS_PATH=$(COLLECTIONS_PATH)"

# ---- Python environment -------------------------------------------------------

venv: $(VENV)/.stamp ## Create .venv: ansible-core (newest for PYTHON), pytest, zig, cargo-zigbuild, ...

$(VENV)/.stamp: tests/ansible/requirements.txt scripts/requirements-build.txt scripts/make-venv
	scripts/make-venv "$(PYTHON)" "$(VENV)" 'ansible-core' tests/ansible/requirements.txt scripts/requirements-build.txt

# ---- build ----------------------------------------------------------------------

build: venv ## Build the module executables (glibc 2.17) into plugins/modules/, and fakehub
	$(BUILD_ENV) $(CARGO) zigbuild --release --locked --target $(ZIG_TARGET) \
		$(foreach m,$(MODULES),--bin $(m))
	for m in $(MODULES); do \
		install -m 0755 "target/$(RUST_TARGET)/release/$$m" "plugins/modules/$$m"; \
	done
	$(CARGO) build --release --locked -p fakehub
	@echo "Built: $(foreach m,$(MODULES),plugins/modules/$(m)) target/release/fakehub"

$(DEV_LINK):
	mkdir -p "$(dir $@)"
	ln -sfn "$(CURDIR)" "$@"

# ---- demo -------------------------------------------------------------------------

demo: build $(DEV_LINK) ## Run the example flow against a local Docker Hub stand-in (fakehub)
	VENV_BIN="$(VENV_BIN)" ANSIBLE_COLLECTIONS_PATH="$(abspath $(DEV_COLLECTIONS))" \
		scripts/demo

# ---- tests ------------------------------------------------------------------------

test: venv ## cargo fmt --check, clippy, cargo test, then the Ansible end-to-end suite
	$(MAKE) --no-print-directory test-rust
	$(MAKE) --no-print-directory test-e2e

test-rust: ## Only the Rust checks: fmt, clippy -D warnings, cargo test
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings
	$(CARGO) test --workspace --locked

test-e2e: build ## Only the Ansible end-to-end suite (tests/ansible) with .venv's ansible-core
	"$(VENV_BIN)/python" -m pytest tests/ansible $(PYTEST_ARGS)

test-matrix: build ## The end-to-end suite against ansible-core 2.15, 2.19 and 2.21 (.venvs/)
	@for v in $(MATRIX); do \
		start=$$(date +%s); \
		$(MAKE) --no-print-directory test-ansible-$$v; \
		echo "== ansible-core $$v: passed in $$(( $$(date +%s) - start )) s"; \
	done

test-ansible-%: .venvs/ansible-%/.stamp
	@echo "== end-to-end suite with ansible-core $* ($$(.venvs/ansible-$*/bin/ansible --version | head -1))"
	".venvs/ansible-$*/bin/python" -m pytest tests/ansible $(PYTEST_ARGS)

.venvs/ansible-%/.stamp: tests/ansible/requirements.txt scripts/make-venv
	@py="$(PYTHON_$*)"; \
	if [ -z "$$py" ]; then echo "No Python interpreter set for ansible-core $* (PYTHON_$*)" >&2; exit 1; fi; \
	scripts/make-venv "$$py" ".venvs/ansible-$*" "ansible-core==$*.*" tests/ansible/requirements.txt

fuzz: ## The args-file property test for longer (FUZZ_SECONDS, default 300; FUZZ_SEED to replay)
	FUZZ_SECONDS=$${FUZZ_SECONDS:-300} FUZZ_BINARY_RUNS=$${FUZZ_BINARY_RUNS:-500} \
		$(CARGO) test --locked --test fuzz_args -- --nocapture

# ---- packaging --------------------------------------------------------------------

collection: build ## Build build/community-missing_collection-VERSION.tar.gz with the executables
	mkdir -p build
	rm -f "$(TARBALL)"
	"$(VENV_BIN)/ansible-galaxy" collection build --force --output-path build .
	@ls -l "$(TARBALL)"

install: collection ## Install the tarball with ansible-galaxy (COLLECTIONS_PATH=dir to choose where)
	"$(VENV_BIN)/ansible-galaxy" collection install --force "$(TARBALL)" \
		$(if $(COLLECTIONS_PATH),-p "$(COLLECTIONS_PATH)")

# ---- benchmarks (docs/benchmarks.md) ----------------------------------------------

# BENCH_ARGS=--quick for a short run; the results go to docs/benchmarks.md.
BENCH_ARGS ?=

bench: build ## Time the modules against fakehub; writes docs/benchmarks.md (BENCH_ARGS=--quick)
	"$(VENV_BIN)/python" benches/run.py $(BENCH_ARGS)

# ---- cleaning ---------------------------------------------------------------------

clean: ## Remove build results: target/, build/, the executables in plugins/modules/, caches
	$(CARGO) clean
	rm -rf build tests/output .pytest_cache
	rm -f $(foreach m,$(MODULES),plugins/modules/$(m))
	find . \( -path ./.git -o -path ./.venv -o -path ./.venvs \) -prune \
		-o -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean ## clean, and remove the Python environments .venv and .venvs
	rm -rf "$(VENV)" .venvs
