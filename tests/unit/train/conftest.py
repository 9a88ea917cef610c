"""Shared fixtures for the training-core tests: tiny model, toy MI data, SFT adapters built once."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from .toy import conversations, corpus, sft_config


@pytest.fixture(scope="session", autouse=True)
def _one_thread():
    """Keep every test on one intra-op thread (shared 2-core machine)."""
    torch.set_num_threads(1)


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    """The tiny Llama built once per session."""
    from interosight_core.train.models import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("tiny") / "model", corpus(), seed=0)


@pytest.fixture(scope="session")
def sft_run(tiny_model, tmp_path_factory):
    """One uninterrupted LoRA SFT run (the reference for resume, DPO and merge tests)."""
    from interosight_core.train.sft import run_sft

    return run_sft(sft_config(), tiny_model, conversations(32), tmp_path_factory.mktemp("sft") / "run")


@pytest.fixture(scope="session")
def qlora_run(tiny_model, tmp_path_factory):
    """One 4-bit QLoRA SFT run."""
    from interosight_core.train.sft import run_sft

    cfg = sft_config(quantization={"mode": "4bit"}, max_steps=4)
    return run_sft(cfg, tiny_model, conversations(32), tmp_path_factory.mktemp("qlora") / "run")
