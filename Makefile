# One entry point for everything: `make test` sets up and runs every test; `make demo` shows it off.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
export ANSIBLE_COLLECTIONS_PATH := $(CURDIR)/.build/collections
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: setup test unit integration interop faults compat sanity lint proto demo bench clean

setup:
	@scripts/setup.sh

## test: every check CI runs (sanity, lint, the plugin-level tests on ansible-core 2.16, then every test)
test: setup sanity lint compat
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

# The oldest supported ansible-core (2.16) on what depends most on it: the inventory plugin, action plugins
# (running modules in the worker and as processes)
# and module_defaults, filters, and the roles' templating. (The whole suite passes there too.)
COMPAT_TESTS := tests/integration/test_inventory.py tests/integration/test_node_info.py tests/integration/test_in_worker.py \
	tests/integration/test_machine_config.py tests/integration/test_roles.py

## compat: those tests on ansible-core 2.16
compat: setup
	@scripts/compat-venv.sh
	.venv-compat/bin/python -m pytest -q -p no:cacheprovider $(COMPAT_TESTS)

sanity: setup
	scripts/sanity.sh

## lint: ansible-lint (production profile) on roles and playbooks
lint: setup
	$(VENV)/bin/ansible-lint --nocolor playbooks/ $(wildcard roles/)

## proto: regenerate plugins/module_utils/_api from proto/
proto: setup
	$(PY) tools/protogen.py >/dev/null

## demo: talos-sim in maintenance mode, then bootstrap, rolling upgrade and config enforcement playbooks
demo: setup
	scripts/demo.sh

## bench: benchmarks (not tests); prints figures
bench: setup
	$(PY) bench/node_info_fanout.py
	$(PY) bench/rolling_upgrade.py
	$(PY) bench/etcd_snapshot.py

clean:
	rm -rf .build tests/output
