"""SFT: label masking, loss going down, QLoRA, stage continuation, resume after a crash."""

from __future__ import annotations

import json

import pytest

from interosight_core.train.config import LoRASettings, SFTStageConfig
from interosight_core.train.sft import build_sft_trainer, run_sft

from .toy import SYSTEM, Crash, CrashAfter, conversations, sft_config


@pytest.mark.parametrize("batching", ["padding", "packing", "padding_free"])
def test_collator_masks_everything_but_assistant_turns(tiny_model, tmp_path, batching):
    """Labels are -100 on system/user tokens and padding; only assistant text + eos is trained."""
    convs = conversations(6)
    trainer = build_sft_trainer(sft_config(batching=batching), tiny_model, convs, tmp_path)
    tok = trainer.processing_class
    batch = trainer.data_collator([trainer.train_dataset[i] for i in range(len(trainer.train_dataset))])
    ids, labels = batch["input_ids"].flatten().tolist(), batch["labels"].flatten().tolist()
    trained = tok.decode([i for i, l in zip(ids, labels) if l != -100])
    # packing (BFD) may reorder examples: compare as multisets of assistant turns
    expected = [m["content"] + tok.eos_token for c in convs for m in c if m["role"] == "assistant"]
    assert sorted(t + tok.eos_token for t in trained.split(tok.eos_token)[:-1]) == sorted(expected)
    role_ids = {tok.convert_tokens_to_ids(t) for t in ("<|system|>", "<|user|>", "<|assistant|>", tok.bos_token)}
    assert all(l == -100 for i, l in zip(ids, labels) if i in role_ids)
    assert SYSTEM in tok.decode(ids)  # the system prompt was injected ...
    assert SYSTEM not in trained  # ... and carries no loss
    if batching == "padding":
        assert all(l == -100 for m, l in zip(batch["attention_mask"].flatten().tolist(), labels) if m == 0)
    else:
        assert "position_ids" in batch and "attention_mask" not in batch


@pytest.mark.parametrize("r,alpha,expected", [(1, 2, 1792), (64, 128, 114688)])
def test_lora_rank_is_configurable(tiny_model, tmp_path, r, alpha, expected):
    """Seed 001's r=1 and seed 004's r=64 are both expressible; trainable params scale with r."""
    cfg = sft_config(lora=LoRASettings(r=r, alpha=alpha, dropout=0.1))
    trainer = build_sft_trainer(cfg, tiny_model, conversations(4), tmp_path)
    assert sum(p.numel() for p in trainer.model.parameters() if p.requires_grad) == expected
    assert trainer.model.peft_config["default"].lora_alpha == alpha


def test_stage_config_is_strict():
    """Unknown fields are rejected (typos in YAML fail loudly)."""
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        SFTStageConfig(learning_rat=1e-4)
    with pytest.raises(ValidationError):
        SFTStageConfig(batching="packing", max_length=None)


@pytest.mark.slow
def test_sft_reduces_loss_and_writes_adapter(sft_run):
    """A few steps on 32 toy examples lower the loss and leave an adapter, a plot and a result JSON."""
    r = sft_run
    assert r.global_step == 6 and len(r.loss_history) == 6
    assert r.loss_history[-1][1] < r.loss_history[0][1] - 0.1
    assert (r.adapter_dir / "adapter_config.json").is_file()
    assert (r.adapter_dir / "adapter_model.safetensors").is_file()
    assert (r.adapter_dir / "tokenizer_config.json").is_file()
    assert r.loss_curve_png and r.loss_curve_png.stat().st_size > 1000
    assert json.loads((r.output_dir / "sft_result.json").read_text())["global_step"] == 6
    assert r.trainable_params == 14336 and r.tokens_per_second and r.tokens_per_second > 0
    assert r.peak_rss_mb > 0 and r.resumed_from_checkpoint is None


@pytest.mark.slow
def test_qlora_4bit_sft_runs(qlora_run):
    """4-bit QLoRA SFT trains on CPU and the adapter is saved in float32 (compute dtype)."""
    from safetensors.torch import load_file

    r = qlora_run
    assert r.global_step == 4 and r.loss_history[-1][1] < r.loss_history[0][1]
    weights = load_file(str(r.adapter_dir / "adapter_model.safetensors"))
    assert {str(t.dtype) for t in weights.values()} == {"torch.float32"}


@pytest.mark.slow
def test_8bit_sft_runs(tiny_model, tmp_path):
    """LLM.int8 base + LoRA also trains on the CPU backend of bitsandbytes."""
    r = run_sft(sft_config(quantization={"mode": "8bit"}, max_steps=2), tiny_model, conversations(8), tmp_path)
    assert r.global_step == 2 and (r.adapter_dir / "adapter_model.safetensors").is_file()


@pytest.mark.slow
def test_second_stage_continues_the_adapter(tiny_model, sft_run, tmp_path):
    """Stage 2 starts from stage 1's adapter: its first loss is stage 1's last, not the random start."""
    cfg = sft_config(name="stage2", max_steps=2, lora=LoRASettings(r=2))  # lora ignored when continuing
    r2 = run_sft(cfg, tiny_model, conversations(32), tmp_path / "s2", resume_adapter=sft_run.adapter_dir)
    assert r2.continued_adapter == str(sft_run.adapter_dir)
    assert r2.trainable_params == sft_run.trainable_params  # same r=8 adapter
    assert r2.loss_history[0][1] < sft_run.loss_history[0][1] - 0.1
    assert r2.loss_history[0][1] == pytest.approx(sft_run.loss_history[-1][1], abs=0.15)


@pytest.mark.slow
def test_resume_after_crash_matches_uninterrupted_run(tiny_model, sft_run, tmp_path):
    """Crash at step 4, re-run: resumes from checkpoint-3, ends at step 6 with the uninterrupted weights."""
    from safetensors.torch import load_file

    out = tmp_path / "crashy"
    with pytest.raises(Crash):
        run_sft(sft_config(), tiny_model, conversations(32), out, callbacks=[CrashAfter(4)])
    assert (out / "checkpoint-3").is_dir() and not (out / "adapter").exists()
    r = run_sft(sft_config(), tiny_model, conversations(32), out)
    assert r.resumed_from_checkpoint.endswith("checkpoint-3")
    assert r.global_step == 6
    assert [s for s, _ in r.loss_history] == [1, 2, 3, 4, 5, 6]
    a = load_file(str(r.adapter_dir / "adapter_model.safetensors"))
    b = load_file(str(sft_run.adapter_dir / "adapter_model.safetensors"))
    assert max((a[k] - b[k]).abs().max().item() for k in a) < 1e-6


def _qwen_dir(tiny_model, path, extra_rows):
    """A tiny Qwen2 model whose tokenizer (from the tiny model) has no chat template and no pad token."""
    import torch
    from tokenizers import Tokenizer
    from transformers import PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM

    raw = Tokenizer.from_file(str(tiny_model / "tokenizer.json"))
    tok = PreTrainedTokenizerFast(tokenizer_object=raw, bos_token="<s>", eos_token="</s>")
    assert tok.pad_token is None and not tok.chat_template
    torch.manual_seed(0)
    cfg = Qwen2Config(vocab_size=len(tok) + extra_rows, hidden_size=64, intermediate_size=128, num_hidden_layers=1,
                      num_attention_heads=4, num_key_value_heads=2, eos_token_id=tok.eos_token_id)
    Qwen2ForCausalLM(cfg).save_pretrained(path)
    tok.save_pretrained(path)
    return path


def test_tokenizer_longer_than_embeddings_is_an_error(tiny_model, tmp_path):
    """transformers 5 loads the Qwen2 tokenizer class, which adds '<|endoftext|>': caught with a clear message."""
    from interosight_core.train.config import TrainError
    from interosight_core.train.models import load_model_for_training

    with pytest.raises(TrainError, match="embedding only"):
        load_model_for_training(_qwen_dir(tiny_model, tmp_path / "qwen", 0))


@pytest.mark.slow
def test_any_causal_lm_without_template_or_pad(tiny_model, tmp_path):
    """A non-Llama model (Qwen2, embedding padded to a multiple of 64) with no chat template/pad token trains."""
    calls = []
    cfg = sft_config(max_steps=2, lora=LoRASettings(target_modules="all-linear"))
    path = _qwen_dir(tiny_model, tmp_path / "qwen", 64)
    r = run_sft(cfg, path, conversations(8), tmp_path / "out", progress=lambda s, n, logs: calls.append((s, n)))
    assert r.global_step == 2 and (r.adapter_dir / "chat_template.jinja").is_file()
    assert calls and calls[-1][1] == 2  # progress(step, max_steps, logs) was called


@pytest.mark.slow
@pytest.mark.parametrize("batching,accumulation", [("padding", 2), ("padding_free", 1)])
def test_logits_loss_head_trains_like_trls_fused_head(tiny_model, tmp_path, batching, accumulation):
    """loss_head='logits' (the CPU default) computes TRL's fused-head loss: same losses, same adapter, same token count."""
    from safetensors.torch import load_file

    from interosight_core.train.sft import run_sft, use_logits_loss

    assert use_logits_loss(sft_config()) and not use_logits_loss(sft_config(loss_head="fused"))
    runs = {}
    for head in ("fused", "logits"):
        cfg = sft_config(loss_head=head, batching=batching, gradient_accumulation_steps=accumulation, max_steps=3,
                         logging_steps=1, max_length=None if batching == "padding_free" else 256)
        runs[head] = run_sft(cfg, tiny_model, conversations(24), tmp_path / head)
    fused, logits = runs["fused"], runs["logits"]
    assert [s for s, _ in logits.loss_history] == [s for s, _ in fused.loss_history] == [1, 2, 3]
    assert [l for _, l in logits.loss_history] == pytest.approx([l for _, l in fused.loss_history], abs=1e-4)
    a = load_file(str(fused.adapter_dir / "adapter_model.safetensors"))
    b = load_file(str(logits.adapter_dir / "adapter_model.safetensors"))
    assert a.keys() == b.keys()
    assert max((a[k] - b[k]).abs().max().item() for k in a) < 1e-4
    tokens = {h: r.tokens_per_second * r.train_runtime_s for h, r in runs.items()}
    assert tokens["logits"] == pytest.approx(tokens["fused"], rel=1e-6) and tokens["logits"] > 0
