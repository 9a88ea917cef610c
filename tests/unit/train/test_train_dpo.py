"""DPO from the SFT adapter: the reference is the SFT policy, rewards are logged, resume is exact."""

from __future__ import annotations

import pytest

from interosight_core.train.config import DPOStageConfig
from interosight_core.train.dpo import run_dpo

from .toy import ASSISTANTS, SYSTEM, USERS, Crash, CrashAfter

BAD = ["Just eat less.", "You should stop that.", "They are right.", "Recovery is easy, just do it.",
       "Fine.", "Then you are fine.", "Again? Try harder.", "OK."]


def pairs(n: int = 16):
    """n toy preference pairs: MI answer chosen, directive answer rejected."""
    return [{"prompt": [{"role": "user", "content": USERS[i % 8]}], "chosen": ASSISTANTS[i % 8], "rejected": BAD[i % 8]}
            for i in range(n)]


def dpo_config(**kw) -> DPOStageConfig:
    """A fast DPO config for the tiny model."""
    base = dict(system_prompt=SYSTEM, max_steps=4, per_device_train_batch_size=4, learning_rate=1e-3,
                warmup_ratio=0.0, lr_scheduler_type="constant", save_steps=2, report_to=[])
    base.update(kw)
    return DPOStageConfig(**base)


@pytest.fixture(scope="module")
def dpo_run(tiny_model, sft_run, tmp_path_factory):
    """One uninterrupted DPO run from the SFT adapter."""
    return run_dpo(dpo_config(), tiny_model, sft_run.adapter_dir, pairs(), tmp_path_factory.mktemp("dpo") / "run")


@pytest.mark.slow
def test_dpo_reference_is_the_sft_policy(dpo_run, sft_run):
    """Step 1 rewards are exactly 0 (policy == reference == SFT, and SFT != base); the ref adapter stays frozen."""
    from safetensors.torch import load_file

    sft = load_file(str(sft_run.adapter_dir / "adapter_model.safetensors"))
    assert max(t.abs().max().item() for k, t in sft.items() if "lora_B" in k) > 1e-3  # SFT moved away from base
    for key in ("rewards/chosen", "rewards/rejected", "rewards/margins"):
        assert dpo_run.reward_history[key][0] == (1, 0.0)
    ref = load_file(str(dpo_run.output_dir / "checkpoint-4" / "ref" / "adapter_model.safetensors"))
    assert all((ref[k] == sft[k]).all() for k in sft)
    final = load_file(str(dpo_run.adapter_dir / "adapter_model.safetensors"))
    assert max((final[k] - sft[k]).abs().max().item() for k in sft) > 1e-4  # the policy did move
    assert not (dpo_run.adapter_dir / "ref").exists()


@pytest.mark.slow
def test_dpo_logs_rewards_and_learns(dpo_run):
    """Rewards/margins are in the result; the margin grows and the loss drops below log 2."""
    assert set(dpo_run.final_rewards) == {"rewards/chosen", "rewards/rejected", "rewards/margins", "rewards/accuracies"}
    assert dpo_run.global_step == 4 and dpo_run.num_pairs == 16
    assert dpo_run.final_rewards["rewards/margins"] > 0
    assert dpo_run.loss_history[-1][1] < 0.69
    assert dpo_run.curves_png and dpo_run.curves_png.is_file()


@pytest.mark.slow
def test_dpo_resume_restores_the_policy_adapter(tiny_model, sft_run, dpo_run, tmp_path):
    """After a crash the policy adapter is reloaded (transformers alone would reload only 'ref')."""
    from safetensors.torch import load_file

    with pytest.raises(Crash):
        run_dpo(dpo_config(), tiny_model, sft_run.adapter_dir, pairs(), tmp_path, callbacks=[CrashAfter(3)])
    r = run_dpo(dpo_config(), tiny_model, sft_run.adapter_dir, pairs(), tmp_path)
    assert r.resumed_from_checkpoint.endswith("checkpoint-2") and r.global_step == 4
    assert [s for s, _ in r.loss_history] == [1, 2, 3, 4]
    assert [v for _, v in r.loss_history] == pytest.approx([v for _, v in dpo_run.loss_history], abs=1e-5)
    a, b = (load_file(str(x / "adapter_model.safetensors")) for x in (r.adapter_dir, dpo_run.adapter_dir))
    assert max((a[k] - b[k]).abs().max().item() for k in a) < 1e-6


@pytest.mark.slow
def test_dpo_on_4bit_base_keeps_the_sft_adapter_exact(tiny_model, qlora_run, tmp_path):
    """QLoRA DPO: TRL's bfloat16 cast of the loaded adapter is undone, so step-1 rewards are exactly 0."""
    r = run_dpo(dpo_config(quantization={"mode": "4bit"}, max_steps=2), tiny_model, qlora_run.adapter_dir, pairs(8), tmp_path)
    assert r.global_step == 2
    assert r.reward_history["rewards/margins"][0] == (1, 0.0)
