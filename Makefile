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

.PHONY: demo test unit e2e bench venv clean

demo: $(VENV)/.installed $(LINK)
	$(BIN)/python tests/emulator/with_emulator.py --scenario tests/emulator/scenarios/demo.json -- \
		ansible-playbook -i localhost, examples/demo.yml examples/gate_demo.yml

test: $(VENV)/.installed $(LINK)
	tests/tools/run-tests.sh

bench: $(VENV)/.installed $(LINK)
	$(BIN)/python bench/bench.py

$(VENV)/.installed: requirements.txt tests/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r tests/requirements.txt
	touch $@

$(LINK):
	mkdir -p $(dir $(LINK))
	ln -sfn ../../../.. $(LINK)

clean:
	rm -rf .cache .pytest_cache tests/output
