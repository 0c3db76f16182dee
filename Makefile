# One entry point for everything: `make test` sets up and runs every test; `make demo` shows it off.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
export ANSIBLE_COLLECTIONS_PATH := $(CURDIR)/.build/collections
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: setup test suite unit integration interop faults compat sanity lint proto demo bench clean

setup:
	@scripts/setup.sh

## test: every check CI runs: sanity, lint, then the plugin-level tests on every older ansible-core alongside
## the whole suite on the newest (both run to the end; compat prints one line per version when it is done)
test: setup sanity lint
	@$(MAKE) --no-print-directory -k -j2 compat suite

## suite: every test on the newest ansible-core (.venv)
suite: setup
	$(PY) -m pytest tests/unit tests/integration tests/interop tests/faults

unit: setup
	$(PY) -m pytest tests/unit

integration: setup
	$(PY) -m pytest tests/integration

## faults: the fault matrix (docs/reliability.md)
faults: setup
	$(PY) -m pytest tests/faults

## interop: the client against real Go peers (our grpc-go server, etcd, grpcurl)
interop: setup
	$(PY) -m pytest tests/interop

# Every older supported ansible-core on what depends most on it: the inventory plugin, action plugins
# (running modules in the worker and as processes)
# and module_defaults, filters, and the roles' templating. (The whole suite runs on the newest, in .venv.)
COMPAT_TESTS := tests/integration/test_inventory.py tests/integration/test_node_info.py tests/integration/test_in_worker.py \
	tests/integration/test_machine_config.py tests/integration/test_roles.py tests/integration/test_progress.py

# ansible-core:Python, one venv each (.venv-2.16 ...); together they cover every controller Python, 3.10 to 3.13.
COMPAT_MATRIX := 2.16:3.10 2.17:3.11 2.18:3.12 2.19:3.13 2.20:3.12
# How many versions run at once (each runs its own talos-sim fleets); `make test` runs them beside the suite.
COMPAT_JOBS ?= 1

## compat: those tests on every ansible-core of COMPAT_MATRIX, with a summary line per version
compat: setup
	@scripts/compat.sh $(COMPAT_JOBS) "$(COMPAT_MATRIX)" $(COMPAT_TESTS)

sanity: setup
	scripts/sanity.sh

## lint: ansible-lint (production profile) on roles, playbooks and extensions (plugin EXAMPLES: tests/unit/test_plugin_examples.py)
lint: setup
	$(VENV)/bin/ansible-lint --nocolor playbooks/ roles/ extensions/

## proto: regenerate plugins/module_utils/_api from proto/
proto: setup
	$(PY) tools/protogen.py >/dev/null

## demo: talos-sim in maintenance mode, then bootstrap, rolling upgrade, config enforcement and Kubernetes upgrade playbooks
demo: setup
	scripts/demo.sh

## bench: benchmarks (not tests): each prints its figures side by side, then issue 20's goals as one table
bench: setup
	$(PY) bench/report.py

clean:
	rm -rf .build tests/output
