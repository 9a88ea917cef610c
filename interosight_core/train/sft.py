"""Supervised fine-tuning of a LoRA / QLoRA adapter with TRL's ``SFTTrainer``.

One call trains one stage: the system prompt is injected into every example,
the loss covers assistant turns only, checkpoints are written every
``save_steps`` and a re-run resumes from the newest one. A stage can continue
the adapter of a previous stage (``resume_adapter``), which is how curricula
and sequential stages share one adapter.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from interosight_core.train import runtime
from interosight_core.train.config import SFTStageConfig, TrainError
from interosight_core.train.data import to_conversation_dataset
from interosight_core.train.models import count_parameters, load_model_for_training, torch_dtype

if TYPE_CHECKING:
    from datasets import Dataset
    from transformers import TrainerCallback
    from trl import SFTTrainer

log = logging.getLogger(__name__)

ADAPTER_SUBDIR = "adapter"
STAGE_CONFIG_FILE = "interosight_stage.json"
"""Stage config saved next to every adapter (the serving side reads its ``system_prompt``)."""


class SFTResult(BaseModel):
    """What one SFT stage produced (small, JSON-serialisable; written to ``sft_result.json``)."""

    stage: str = Field(description="Stage name.")
    adapter_dir: Path = Field(description="Final LoRA adapter (+ tokenizer) folder.")
    output_dir: Path = Field(description="Stage folder with checkpoints, plot and result JSON.")
    global_step: int = Field(description="Optimizer steps done in total (including resumed ones).")
    num_examples: int = Field(description="Training examples after normalisation and filtering.")
    loss_history: list[tuple[int, float]] = Field(description="(step, train loss) at every logging step.")
    final_loss: float | None = Field(description="Last logged train loss.")
    tokens_per_second: float | None = Field(description="Non-padding tokens processed per second in this session.")
    train_runtime_s: float = Field(description="Wall time of trainer.train() in this session.")
    trainable_params: int = Field(description="Trainable (adapter) parameters.")
    total_params: int = Field(description="All parameters (4-bit weights as stored elements).")
    peak_rss_mb: float = Field(description="Peak RSS of the process so far, MiB.")
    loss_curve_png: Path | None = Field(description="PNG of the loss curve.")
    resumed_from_checkpoint: str | None = Field(description="Checkpoint this session resumed from, if any.")
    continued_adapter: str | None = Field(description="Adapter of a previous stage this stage continued, if any.")


def _lora_config(stage_cfg: SFTStageConfig):
    """The ``peft.LoraConfig`` for a stage."""
    from peft import LoraConfig

    lc = stage_cfg.lora
    return LoraConfig(
        r=lc.r,
        lora_alpha=lc.alpha,
        lora_dropout=lc.dropout,
        target_modules=lc.target_modules,
        bias=lc.bias,
        use_rslora=lc.use_rslora,
        modules_to_save=list(lc.modules_to_save) if lc.modules_to_save else None,
        task_type="CAUSAL_LM",
    )


def _cuda() -> bool:
    """True when a CUDA device is visible."""
    import torch

    return torch.cuda.is_available()


def sft_training_args(stage_cfg: SFTStageConfig, out_dir: str | Path):
    """Translate an ``SFTStageConfig`` into TRL's ``SFTConfig``."""
    from trl import SFTConfig

    c = stage_cfg
    return SFTConfig(
        **runtime.common_training_args(c, out_dir),
        weight_decay=c.weight_decay,
        max_grad_norm=c.max_grad_norm,
        optim=c.optim,
        gradient_checkpointing=c.gradient_checkpointing,
        max_length=None if c.batching == "padding_free" else c.max_length,
        packing=c.batching == "packing",
        packing_strategy="bfd",
        padding_free=c.batching == "padding_free",
        assistant_only_loss=c.assistant_only_loss,
        train_sampling_strategy="group_by_length" if c.group_by_length and c.batching == "padding" else "random",
    )


def use_logits_loss(stage_cfg: SFTStageConfig) -> bool:
    """True when the stage computes its loss from full logits (`loss_head`; 'auto' = without a CUDA GPU)."""
    return stage_cfg.loss_head == "logits" or (stage_cfg.loss_head == "auto" and not _cuda())


def _logits_loss_trainer_class():
    """`SFTTrainer` with the loss of the model's full logits instead of TRL's fused, chunked LM head.

    TRL 1.16 always takes the fused path, whose chunked log-softmax and its
    hand-written backward cost more than the whole model on CPU with a
    small vocabulary. This subclass computes the same loss (transformers'
    causal-LM loss over the labels TRL's collator masked) and keeps TRL's
    token count and token-accuracy metric; it does not log entropy.
    """
    import torch
    from transformers import Trainer
    from trl import SFTTrainer

    class LogitsLossSFTTrainer(SFTTrainer):
        def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
            inputs["use_cache"] = False
            loss, outputs = Trainer.compute_loss(self, model, inputs, return_outputs=True, num_items_in_batch=num_items_in_batch)
            mode = "train" if self.model.training else "eval"
            with torch.no_grad():
                labels = inputs["labels"][..., 1:]
                valid = labels != -100
                correct = (outputs.logits[..., :-1, :].argmax(-1) == labels) & valid
                num_valid = self.accelerator.gather_for_metrics(valid.sum()).sum()
                num_correct = self.accelerator.gather_for_metrics(correct.sum()).sum()
            self._metrics[mode]["mean_token_accuracy"].append((num_correct / num_valid).item() if num_valid > 0 else 0.0)
            if mode == "train":
                if "attention_mask" in inputs:
                    local = inputs["attention_mask"].sum()
                else:  # padding-free: one flattened row
                    local = torch.tensor(inputs["position_ids"].size(1), device=inputs["position_ids"].device)
                self._total_train_tokens += self.accelerator.gather_for_metrics(local).sum().item() // self._tp_size
            self._metrics[mode]["num_tokens"] = [self._total_train_tokens]
            return (loss, outputs) if return_outputs else loss

    return LogitsLossSFTTrainer


def _drop_long(ds: "Dataset", tokenizer, max_length: int | None) -> "Dataset":
    """padding_free without packing cannot truncate in TRL: drop conversations over max_length."""
    if max_length is None:
        return ds
    keep = [
        i for i, msgs in enumerate(ds["messages"])
        if len(tokenizer.apply_chat_template(msgs, tokenize=True, return_dict=True)["input_ids"]) <= max_length
    ]
    if len(keep) < len(ds):
        log.warning("padding_free: dropped %d of %d examples longer than max_length=%d", len(ds) - len(keep), len(ds), max_length)
    if not keep:
        raise TrainError(f"padding_free: every example is longer than max_length={max_length}; raise sft.max_length")
    return ds.select(keep)


def build_sft_trainer(
    stage_cfg: SFTStageConfig,
    base_model_path: str | Path,
    dataset: Any,
    out_dir: str | Path,
    resume_adapter: str | Path | None = None,
    callbacks: list["TrainerCallback"] | None = None,
) -> "SFTTrainer":
    """Build (but do not run) the ``SFTTrainer`` for a stage.

    ``dataset``: a ``Dataset`` with a ``messages`` column or a list of
    conversations. With ``resume_adapter`` the adapter of a previous stage is
    loaded trainable and the stage's ``lora`` settings are ignored.
    """
    from peft import PeftModel
    from trl import SFTTrainer

    ds = to_conversation_dataset(dataset, stage_cfg.system_prompt, stage_cfg.system_prompt_mode, stage_cfg.crisis_system_prompt)
    model, tokenizer = load_model_for_training(base_model_path, stage_cfg.quantization, stage_cfg.dtype, stage_cfg.attn_implementation)
    peft_config = None
    if resume_adapter is not None:
        if not (Path(resume_adapter) / "adapter_config.json").is_file():
            raise TrainError(f"resume_adapter {resume_adapter}: no adapter_config.json; pass the adapter folder of a finished stage")
        model = PeftModel.from_pretrained(model, str(resume_adapter), is_trainable=True)
        snapshot = runtime.trainable_snapshot(model)
    else:
        snapshot = None
        peft_config = _lora_config(stage_cfg)
    if stage_cfg.batching == "padding_free":
        ds = _drop_long(ds, tokenizer, stage_cfg.max_length)
    if stage_cfg.batching == "packing" and stage_cfg.per_device_train_batch_size > 1 and not _cuda():
        log.warning("packing with batch size %d on CPU: attention is dense over %d flattened tokens; "
                    "batch size 1 + gradient accumulation is faster", stage_cfg.per_device_train_batch_size,
                    stage_cfg.per_device_train_batch_size * (stage_cfg.max_length or 0))
    trainer_class = _logits_loss_trainer_class() if use_logits_loss(stage_cfg) else SFTTrainer
    trainer = trainer_class(
        model=model,
        args=sft_training_args(stage_cfg, out_dir),
        train_dataset=ds,
        processing_class=tokenizer,
        peft_config=peft_config,
        callbacks=callbacks,
    )
    if stage_cfg.quantization.mode != "none":
        runtime.cast_trainable(trainer.model, torch_dtype(stage_cfg.quantization.compute_dtype), snapshot)
    return trainer


def run_sft(
    stage_cfg: SFTStageConfig,
    base_model_path: str | Path,
    dataset: Any,
    out_dir: str | Path,
    resume_adapter: str | Path | None = None,
    progress: runtime.ProgressFn | None = None,
    callbacks: list["TrainerCallback"] | None = None,
) -> SFTResult:
    """Train one SFT stage and save its adapter to ``out_dir/adapter``.

    Resumes from the newest ``checkpoint-N`` in ``out_dir`` when
    ``stage_cfg.resume`` is set (a crashed or killed run continues where it
    stopped). ``resume_adapter`` continues a previous stage's adapter.
    ``progress(step, max_steps, logs)`` is called at every log event;
    ``callbacks`` are extra ``TrainerCallback``s. Writes ``loss_curve.png``
    and ``sft_result.json`` to ``out_dir`` (under ``accelerate launch``: rank 0
    writes, every rank returns the result).
    """
    out_dir, cbs = runtime.start_run(stage_cfg, out_dir, callbacks, progress)
    trainer = build_sft_trainer(stage_cfg, base_model_path, dataset, out_dir, resume_adapter, cbs)
    trainable, total = count_parameters(trainer.model)
    ckpt = runtime.last_checkpoint(out_dir) if stage_cfg.resume else None
    if ckpt:
        log.info("%s: resuming from %s", stage_cfg.name, ckpt)
    t0 = time.perf_counter()
    output = trainer.train(resume_from_checkpoint=ckpt)
    runtime_s = output.metrics.get("train_runtime", time.perf_counter() - t0)

    adapter_dir = out_dir / ADAPTER_SUBDIR
    main = trainer.is_world_process_zero()  # under `accelerate launch` only rank 0 writes files
    if main:
        trainer.model.save_pretrained(str(adapter_dir))
        trainer.processing_class.save_pretrained(str(adapter_dir))
        (adapter_dir / STAGE_CONFIG_FILE).write_text(stage_cfg.model_dump_json(indent=2) + "\n")
    tokens = getattr(trainer, "_total_train_tokens", None)  # TRL's non-padding token count for this session
    losses = runtime.history(trainer.state.log_history, "loss")
    result = SFTResult(
        stage=stage_cfg.name,
        adapter_dir=adapter_dir,
        output_dir=out_dir,
        global_step=trainer.state.global_step,
        num_examples=len(trainer.train_dataset),
        loss_history=losses,
        final_loss=losses[-1][1] if losses else None,
        tokens_per_second=(tokens / runtime_s) if tokens and runtime_s > 0 else None,
        train_runtime_s=float(runtime_s),
        trainable_params=trainable,
        total_params=total,
        peak_rss_mb=runtime.peak_rss_mb(),
        loss_curve_png=(runtime.plot_curves({"train loss": losses}, out_dir / "loss_curve.png", f"SFT {stage_cfg.name}")
                        if main else None),
        resumed_from_checkpoint=ckpt,
        continued_adapter=str(resume_adapter) if resume_adapter else None,
    )
    if main:
        (out_dir / "sft_result.json").write_text(result.model_dump_json(indent=2) + "\n")
    trainer.accelerator.wait_for_everyone()
    log.info("%s: %d steps, final loss %s, %.0f tok/s", stage_cfg.name, result.global_step, result.final_loss,
             result.tokens_per_second or 0.0)
    return result


def load_sft_result(out_dir: str | Path) -> SFTResult:
    """Read the ``sft_result.json`` a finished stage wrote (for caching and reports)."""
    path = Path(out_dir) / "sft_result.json"
    if not path.is_file():
        raise TrainError(f"{path}: no SFT result; the stage has not finished")
    return SFTResult.model_validate(json.loads(path.read_text()))
