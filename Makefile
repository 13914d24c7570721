# headroom.cloud developer entry points. `make demo` and `make test` work on a fresh machine:
# they create .venv from the package registries and link the checkout as a collection.
SHELL := /bin/bash
PYTHON ?= python3
VENV := $(CURDIR)/.venv
BIN := $(VENV)/bin
COLLECTIONS := $(CURDIR)/.cache/collections
LINK := $(COLLECTIONS)/ansible_collections/headroom/cloud

export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export PYTHONPATH := $(COLLECTIONS)
export PATH := $(BIN):$(PATH)
# Belt and braces: the SDK credential chains must never reach for a metadata address here.
export ALIBABA_CLOUD_ECS_METADATA_DISABLED := true
export ANSIBLE_NOCOLOR := 1

.PHONY: demo test test-quick unit e2e matrix bench diagrams venv clean

demo: venv
	$(BIN)/python tests/emulator/with_emulator.py --scenario tests/emulator/scenarios/demo.json -- \
		ansible-playbook -i localhost, examples/demo.yml examples/gate_demo.yml

# Everything CI runs: community tooling, the benchmark (quick), pytest, and the ansible-core matrix
# (2.16 to 2.22: sanity, units, integration), ending with one summary table.
test: venv
	tests/tools/run-tests.sh

# The edit-test loop: unit tests, then one matrix row (the .venv's ansible-core series).
test-quick: venv
	$(BIN)/python -m pytest -q tests/unit
	$(BIN)/python tests/tools/matrix.py --rows $$($(BIN)/python -c 'import ansible.release as r; print(".".join(r.__version__.split(".")[:2]))')

unit: venv
	$(BIN)/python -m pytest -q tests/unit

# pytest alone, as CI runs it: unit tests, the emulator's self-tests, and the end-to-end, fault, load
# and TLS suites against the emulator (real ansible CLIs, real SDKs), in a loopback-only namespace.
e2e: venv
	tests/tools/run-tests.sh --only pytest

matrix: venv
	$(BIN)/python tests/tools/matrix.py

bench: venv
	$(BIN)/python bench/bench.py

# docs/diagrams/*.dot into their SVGs and the docsite pages that show them (needs Graphviz's dot).
diagrams:
	$(PYTHON) tests/tools/diagrams.py

venv: $(VENV)/.installed $(LINK)

$(VENV)/.installed: requirements.txt tests/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r tests/requirements.txt
	touch $@

$(LINK):
	mkdir -p $(dir $(LINK))
	ln -sfn ../../../.. $(LINK)

clean:
	rm -rf .cache .pytest_cache tests/output
