"""Direct preference optimisation on top of the SFT adapter (TRL ``DPOTrainer``).

Policy = base + SFT adapter, loaded trainable. Reference = the SFT policy:
with ``ref_model=None`` and a ``PeftModel`` that already carries an adapter,
TRL 1.16 copies the adapter into a frozen second adapter named ``ref`` and
switches to it for the reference log-probs. (Passing a ``peft_config``
instead would make the reference the *raw base* - adapters disabled - which
is not what we want.) At step 1 the policy equals the reference, so the
first logged rewards are exactly 0; the tests check that.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from interosight_core.train import runtime
from interosight_core.train.config import DPOStageConfig, TrainError
from interosight_core.train.data import to_preference_dataset
from interosight_core.train.models import count_parameters, load_model_for_training, torch_dtype
from interosight_core.train.sft import STAGE_CONFIG_FILE

if TYPE_CHECKING:
    from transformers import TrainerCallback
    from trl import DPOTrainer

log = logging.getLogger(__name__)

REWARD_KEYS = ("rewards/chosen", "rewards/rejected", "rewards/margins", "rewards/accuracies")


class DPOResult(BaseModel):
    """What the DPO stage produced (written to ``dpo_result.json``)."""

    stage: str = Field(description="Stage name.")
    adapter_dir: Path = Field(description="Final policy adapter (+ tokenizer) folder.")
    output_dir: Path = Field(description="Stage folder with checkpoints, plot and result JSON.")
    global_step: int = Field(description="Optimizer steps done in total.")
    num_pairs: int = Field(description="Preference pairs trained on.")
    loss_history: list[tuple[int, float]] = Field(description="(step, DPO loss) at every logging step.")
    reward_history: dict[str, list[tuple[int, float]]] = Field(description="(step, value) of rewards/chosen, rejected, margins, accuracies.")
    final_rewards: dict[str, float] = Field(description="Last logged value of each reward metric.")
    train_runtime_s: float = Field(description="Wall time of trainer.train() in this session.")
    trainable_params: int = Field(description="Trainable (adapter) parameters.")
    peak_rss_mb: float = Field(description="Peak RSS of the process so far, MiB.")
    curves_png: Path | None = Field(description="PNG of loss and reward margin.")
    resumed_from_checkpoint: str | None = Field(description="Checkpoint this session resumed from, if any.")


def dpo_training_args(cfg: DPOStageConfig, out_dir: str | Path):
    """Translate a ``DPOStageConfig`` into TRL's ``DPOConfig``."""
    from trl import DPOConfig

    return DPOConfig(
        **runtime.common_training_args(cfg, out_dir),
        beta=cfg.beta,
        loss_type=list(cfg.loss_type),
        label_smoothing=cfg.label_smoothing,
        max_length=cfg.max_length,
        precompute_ref_log_probs=cfg.precompute_ref_log_probs,
        gradient_checkpointing=False,
    )


def build_dpo_trainer(
    cfg: DPOStageConfig,
    base_model_path: str | Path,
    sft_adapter: str | Path,
    pairs: Any,
    out_dir: str | Path,
    callbacks: list["TrainerCallback"] | None = None,
) -> "DPOTrainer":
    """Build (but do not run) the ``DPOTrainer``: policy = base + SFT adapter, reference = frozen copy of it."""
    from peft import PeftModel
    from trl import DPOTrainer

    if not (Path(sft_adapter) / "adapter_config.json").is_file():
        raise TrainError(f"sft_adapter {sft_adapter}: no adapter_config.json; pass the adapter folder of the SFT stage")
    ds = to_preference_dataset(pairs, cfg.system_prompt, cfg.system_prompt_mode)
    base, tokenizer = load_model_for_training(base_model_path, cfg.quantization, cfg.dtype, cfg.attn_implementation)
    model = PeftModel.from_pretrained(base, str(sft_adapter), is_trainable=True)
    snapshot = runtime.trainable_snapshot(model)
    trainer = DPOTrainer(
        model=model,
        ref_model=None,
        args=dpo_training_args(cfg, out_dir),
        train_dataset=ds,
        processing_class=tokenizer,
        callbacks=callbacks,
    )
    if "ref" not in trainer.model.peft_config:
        raise TrainError("TRL did not create the 'ref' adapter; the DPO reference would be the raw base, not the SFT policy")
    if cfg.quantization.mode != "none":
        runtime.cast_trainable(trainer.model, torch_dtype(cfg.quantization.compute_dtype), snapshot)
    return trainer


def _restore_policy_adapter(trainer: "DPOTrainer", ckpt: str) -> None:
    """Load the policy ('default') adapter from a checkpoint.

    transformers' Trainer reloads only the adapter *sub-folders* of a PEFT
    checkpoint when there are several adapters, i.e. only ``ref/``; the
    policy adapter saved at the checkpoint root would silently restart from
    the SFT weights. Loading it here, before ``train()``, fixes that.
    """
    from peft import set_peft_model_state_dict
    from safetensors.torch import load_file

    path = Path(ckpt) / "adapter_model.safetensors"
    if not path.is_file():
        raise TrainError(f"{ckpt}: checkpoint has no adapter_model.safetensors; delete it to restart the stage")
    set_peft_model_state_dict(trainer.model, load_file(str(path)), adapter_name="default")


def run_dpo(
    cfg: DPOStageConfig,
    base_model_path: str | Path,
    sft_adapter: str | Path,
    pairs: Any,
    out_dir: str | Path,
    progress: runtime.ProgressFn | None = None,
    callbacks: list["TrainerCallback"] | None = None,
) -> DPOResult:
    """Run DPO from the SFT adapter and save the policy adapter to ``out_dir/adapter``.

    ``pairs``: rows with ``prompt`` (messages or a string), ``chosen`` and
    ``rejected`` (strings or assistant messages), or such a ``Dataset``.
    ``cfg.quantization`` must match the SFT stage. Resumes from the newest
    checkpoint in ``out_dir`` when ``cfg.resume``. Writes ``dpo_curves.png``
    and ``dpo_result.json``.
    """
    out_dir, cbs = runtime.start_run(cfg, out_dir, callbacks, progress)
    trainer = build_dpo_trainer(cfg, base_model_path, sft_adapter, pairs, out_dir, cbs)
    trainable, _ = count_parameters(trainer.model)
    ckpt = runtime.last_checkpoint(out_dir) if cfg.resume else None
    if ckpt:
        log.info("%s: resuming from %s", cfg.name, ckpt)
        _restore_policy_adapter(trainer, ckpt)
    t0 = time.perf_counter()
    output = trainer.train(resume_from_checkpoint=ckpt)
    runtime_s = output.metrics.get("train_runtime", time.perf_counter() - t0)

    adapter_dir = out_dir / "adapter"
    main = trainer.is_world_process_zero()  # under `accelerate launch` only rank 0 writes files
    if main:
        trainer.model.save_pretrained(str(adapter_dir), selected_adapters=["default"])
        trainer.processing_class.save_pretrained(str(adapter_dir))
        (adapter_dir / STAGE_CONFIG_FILE).write_text(cfg.model_dump_json(indent=2) + "\n")
    hist = trainer.state.log_history
    rewards = {k: runtime.history(hist, k) for k in REWARD_KEYS}
    losses = runtime.history(hist, "loss")
    result = DPOResult(
        stage=cfg.name,
        adapter_dir=adapter_dir,
        output_dir=out_dir,
        global_step=trainer.state.global_step,
        num_pairs=len(trainer.train_dataset),
        loss_history=losses,
        reward_history=rewards,
        final_rewards={k: v[-1][1] for k, v in rewards.items() if v},
        train_runtime_s=float(runtime_s),
        trainable_params=trainable,
        peak_rss_mb=runtime.peak_rss_mb(),
        curves_png=runtime.plot_curves(
            {"DPO loss": losses, "reward margin": rewards["rewards/margins"]}, out_dir / "dpo_curves.png", f"DPO {cfg.name}"
        ) if main else None,
        resumed_from_checkpoint=ckpt,
    )
    if main:
        (out_dir / "dpo_result.json").write_text(result.model_dump_json(indent=2) + "\n")
    trainer.accelerator.wait_for_everyone()
    log.info("%s: %d steps, final rewards %s", cfg.name, result.global_step, result.final_rewards)
    return result


def load_dpo_result(out_dir: str | Path) -> DPOResult:
    """Read the ``dpo_result.json`` a finished DPO stage wrote (for caching and reports)."""
    import json

    path = Path(out_dir) / "dpo_result.json"
    if not path.is_file():
        raise TrainError(f"{path}: no DPO result; the stage has not finished")
    return DPOResult.model_validate(json.loads(path.read_text()))
