"""Tiny model build (determinism, speed, HF loading, chat template) and quantized loading."""

from __future__ import annotations

import time

import pytest

from interosight_core.fingerprint import file_sha256
from interosight_core.train.config import TinyModelConfig, TrainError
from interosight_core.train.models import (
    CHAT_TEMPLATE,
    build_tiny_model,
    count_parameters,
    load_model_for_training,
)

from .toy import corpus


def test_build_is_deterministic_and_fast(tmp_path):
    """Two builds from the same inputs give byte-identical files, each in well under 30 s."""
    t0 = time.perf_counter()
    a = build_tiny_model(tmp_path / "a", corpus(), seed=3)
    assert time.perf_counter() - t0 < 30
    b = build_tiny_model(tmp_path / "b", corpus(), seed=3)
    files = sorted(p.name for p in a.iterdir())
    assert {"model.safetensors", "config.json", "tokenizer.json", "tokenizer_config.json"} <= set(files)
    assert files == sorted(p.name for p in b.iterdir())
    for name in files:
        assert file_sha256(a / name) == file_sha256(b / name), name
    c = build_tiny_model(tmp_path / "c", corpus(), seed=4)
    assert file_sha256(c / "model.safetensors") != file_sha256(a / "model.safetensors")
    assert not list(tmp_path.glob(".*")), "temp build folders left behind"


def test_loads_in_transformers_with_chat_template(tiny_model):
    """AutoModel/AutoTokenizer load it; the template marks assistant content + eos for the loss."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tiny_model)
    model = AutoModelForCausalLM.from_pretrained(tiny_model)
    assert model.config.model_type == "llama"
    assert 100_000 < sum(p.numel() for p in model.parameters()) < 3_000_000
    assert tok.chat_template == CHAT_TEMPLATE and "{% generation %}" in tok.chat_template
    assert tok.pad_token and tok.bos_token and tok.eos_token and tok.pad_token != tok.eos_token
    for role in ("<|system|>", "<|user|>", "<|assistant|>"):
        assert len(tok(role, add_special_tokens=False)["input_ids"]) == 1

    msgs = [{"role": "system", "content": "be kind"}, {"role": "user", "content": "I feel alone"},
            {"role": "assistant", "content": "It sounds lonely."}]
    text = tok.apply_chat_template(msgs, tokenize=False)
    assert text == "<s><|system|>\nbe kind</s>\n<|user|>\nI feel alone</s>\n<|assistant|>\nIt sounds lonely.</s>\n"
    prompt = tok.apply_chat_template(msgs[:2], tokenize=False, add_generation_prompt=True)
    assert prompt.endswith("<|user|>\nI feel alone</s>\n<|assistant|>\n") and text.startswith(prompt)
    out = tok.apply_chat_template(msgs, tokenize=True, return_dict=True, return_assistant_tokens_mask=True)
    kept = [i for i, m in zip(out["input_ids"], out["assistant_masks"]) if m]
    assert tok.decode(kept) == "It sounds lonely.</s>"

    ids = tok.apply_chat_template(msgs[:2], add_generation_prompt=True, return_tensors="pt", return_dict=True)
    with torch.no_grad():
        gen = model.generate(**ids, max_new_tokens=5, do_sample=False)
    assert gen.shape[1] > ids["input_ids"].shape[1]


def test_empty_corpus_is_an_error(tmp_path):
    """No texts -> a TrainError naming the argument, no folder written."""
    with pytest.raises(TrainError, match="corpus_texts"):
        build_tiny_model(tmp_path / "x", ["", "  "])
    assert not (tmp_path / "x").exists()


def test_config_shape_is_respected(tmp_path):
    """TinyModelConfig sets the architecture."""
    import json

    cfg = TinyModelConfig(hidden_size=64, intermediate_size=128, num_hidden_layers=3)
    path = build_tiny_model(tmp_path / "m", corpus(), config=cfg)
    conf = json.loads((path / "config.json").read_text())
    assert (conf["hidden_size"], conf["num_hidden_layers"]) == (64, 3)


@pytest.mark.parametrize("mode,cls", [("none", "Linear"), ("4bit", "Linear4bit"), ("8bit", "Linear8bitLt")])
def test_load_model_for_training_quantized(tiny_model, mode, cls):
    """none/4bit/8bit load on CPU with the right layer types; 4-bit is NF4 with double quantization."""
    import torch

    model, tok = load_model_for_training(tiny_model, mode)
    layer = model.model.layers[0].self_attn.q_proj
    assert type(layer).__name__ == cls
    if mode == "4bit":
        assert layer.weight.quant_state.quant_type == "nf4"
        assert layer.weight.quant_state.nested  # double quantization
    if mode != "none":
        assert count_parameters(model)[0] == 0  # frozen until LoRA is attached
    ids = tok("I feel alone", return_tensors="pt")
    with torch.no_grad():
        assert torch.isfinite(model(**ids).logits).all()
