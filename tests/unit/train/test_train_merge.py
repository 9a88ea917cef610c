"""Merging: the merged model reproduces the adapter model (LoRA exactly; QLoRA via the dequantized base)."""

from __future__ import annotations

import json

import pytest

from interosight_core.train.merge import merge_adapter, merged_model
from interosight_core.train.models import load_base_model, load_tokenizer

from .toy import SYSTEM, USERS


def _logits(model, tok):
    """Logits of one chat prompt (float32, no grad)."""
    import torch

    msgs = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": USERS[3]}]
    ids = tok.apply_chat_template(msgs, add_generation_prompt=True, return_tensors="pt", return_dict=True)
    with torch.no_grad():
        return model(**ids).logits.float()


def _adapter_model(tiny_model, adapter_dir, mode):
    """The un-merged base (+ quantization) + adapter, computing as during training.

    On CPUs with AVX512-BF16, bitsandbytes' eval-mode `Linear4bit` switches to a
    fused kernel that multiplies in bfloat16 (~4e-3 off). Training never takes that
    path (it dequantizes and multiplies in float32), so the reference turns it off.
    """
    from peft import PeftModel

    model = PeftModel.from_pretrained(load_base_model(tiny_model, mode), str(adapter_dir)).eval()
    for module in model.modules():
        if hasattr(module, "support_avx512bf16_for_cpu"):
            module.support_avx512bf16_for_cpu = False
    return model


@pytest.mark.slow
def test_lora_merge_matches_adapter_model(tiny_model, sft_run, tmp_path):
    """Plain LoRA: merged logits == base+adapter logits within 1e-4; folder is a complete HF model."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    card = {"data_sources": ["dataverse ED posts", "counselchat"], "safety_filtering": "PII and crisis posts removed",
            "training_stages": [{"name": "sft", "steps": 6}], "eval_summary": {"miti_reflection_ratio": 0.4}}
    out = merge_adapter(tiny_model, sft_run.adapter_dir, tmp_path / "merged", "none", card=card)
    tok = load_tokenizer(tiny_model)
    ref = _logits(_adapter_model(tiny_model, sft_run.adapter_dir, "none"), tok)
    merged = AutoModelForCausalLM.from_pretrained(out).eval()
    assert (_logits(merged, tok) - ref).abs().max().item() < 1e-4
    base = _logits(load_base_model(tiny_model, "none").eval(), tok)
    assert (base - ref).abs().max().item() > 1e-2  # the adapter really changes the model
    assert AutoTokenizer.from_pretrained(out).chat_template == tok.chat_template
    readme = (out / "README.md").read_text()
    for heading in ("## Data sources", "## Safety filtering", "## Training stages", "## Evaluation summary"):
        assert heading in readme
    assert "counselchat" in readme and "miti_reflection_ratio" in readme
    assert not any(p.name.startswith("adapter") for p in out.iterdir())
    assert json.loads((out / "interosight_stage.json").read_text())["system_prompt"] == SYSTEM


@pytest.mark.slow
def test_qlora_merge_onto_dequantized_base(tiny_model, qlora_run, tmp_path):
    """QLoRA: merged-onto-dequantized == 4-bit adapter model within 1e-4; merging onto the float base is worse."""
    from transformers import AutoModelForCausalLM

    tok = load_tokenizer(tiny_model)
    ref = _logits(_adapter_model(tiny_model, qlora_run.adapter_dir, "4bit"), tok)
    out = merge_adapter(tiny_model, qlora_run.adapter_dir, tmp_path / "merged", "4bit")
    assert "quantization_config" not in json.loads((out / "config.json").read_text())
    merged = AutoModelForCausalLM.from_pretrained(out).eval()
    assert type(merged.model.layers[0].self_attn.q_proj).__name__ == "Linear"
    err_dequant = (_logits(merged, tok) - ref).abs().max().item()
    err_float = (_logits(merged_model(tiny_model, qlora_run.adapter_dir, "4bit", onto="float"), tok) - ref).abs().max().item()
    assert err_dequant < 1e-4
    assert err_float > 1e-3 and err_float > 100 * err_dequant
