# One-command set-up, demo and tests. `make help` lists the targets.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# CPU wheel (on local disk here); install it first so pip never pulls a multi-GB CUDA build.
# On a GPU machine: make install TORCH="torch==2.13.0 --index-url https://download.pytorch.org/whl/cu126"
TORCH ?= torch==2.13.0

.PHONY: help install demo test test-fast bench clean

help:
	@echo "make install   create $(VENV) and install InteroSight with dev extras"
	@echo "make demo      install, then run the whole pipeline on the bundled sample (interosight run)"
	@echo "make test      install, then run the full test suite"
	@echo "make test-fast unit tests only (no Prefect server, no slow tests)"
	@echo "make bench     run every benchmark in benchmarks/"

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q $(TORCH)
	$(BIN)/pip install -q -e ".[dev]"
	touch $@

demo: install
	$(BIN)/interosight run

test: install
	$(BIN)/pytest

test-fast: install
	$(BIN)/pytest tests/unit -m "not slow"

bench: install
	$(BIN)/python benchmarks/ingest.py

clean:
	rm -rf .interosight .pytest_cache
