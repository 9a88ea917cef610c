"""Helpers shared by the SFT and DPO runners: threads, trackers, progress, checkpoints, plots."""

from __future__ import annotations

import importlib.util
import logging
import resource
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Literal

if TYPE_CHECKING:
    import torch
    from transformers import TrainerCallback

log = logging.getLogger(__name__)

ProgressFn = Callable[[int, int, dict[str, float]], None]
"""``progress(step, max_steps, logs)``: called at every trainer log event."""


def set_threads(n: int) -> None:
    """Bound torch's intra-op (and, if still possible, inter-op) CPU threads."""
    import torch

    torch.set_num_threads(n)
    try:
        torch.set_num_interop_threads(max(1, n))
    except RuntimeError:  # only settable before the first parallel op
        pass


def resolve_report_to(report_to: list[str] | Literal["auto"]) -> list[str] | str:
    """'auto' -> ['tensorboard'] when the tensorboard package is importable, else 'none'."""
    if report_to == "auto":
        return ["tensorboard"] if importlib.util.find_spec("tensorboard") is not None else "none"
    return list(report_to) or "none"


def start_run(cfg: Any, out_dir: str | Path, callbacks: list | None, progress: ProgressFn | None) -> tuple[Path, list]:
    """Common start of a training stage: bound threads, create `out_dir`, collect callbacks (+ progress)."""
    set_threads(cfg.num_threads)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    cbs = list(callbacks or [])
    if progress is not None:
        cbs.append(progress_callback(progress))
    return out_dir, cbs


def common_training_args(cfg: Any, out_dir: str | Path) -> dict[str, Any]:
    """TrainingArguments fields SFT and DPO stages share (schedule, checkpoints, precision, CPU-safe loaders).

    `cfg` is an `SFTStageConfig` or a `DPOStageConfig`. bf16 autocast only on a
    GPU and only when the config asks for bfloat16; fp16 never.
    """
    import torch

    cuda = torch.cuda.is_available()
    return dict(
        output_dir=str(out_dir),
        learning_rate=cfg.learning_rate,
        lr_scheduler_type=cfg.lr_scheduler_type,
        warmup_steps=cfg.warmup_ratio,  # a float < 1 is a ratio in transformers 5
        num_train_epochs=cfg.num_train_epochs,
        max_steps=cfg.max_steps,
        per_device_train_batch_size=cfg.per_device_train_batch_size,
        gradient_accumulation_steps=cfg.gradient_accumulation_steps,
        logging_steps=cfg.logging_steps,
        save_strategy="steps",
        save_steps=cfg.save_steps,
        save_total_limit=cfg.save_total_limit,
        seed=cfg.seed,
        data_seed=cfg.seed,
        report_to=resolve_report_to(cfg.report_to),
        bf16=cuda and "bfloat16" in (cfg.dtype, cfg.quantization.compute_dtype),
        fp16=False,
        dataloader_num_workers=0,
        dataloader_pin_memory=cuda,
        disable_tqdm=True,
    )


def last_checkpoint(out_dir: str | Path) -> str | None:
    """Path of the newest ``checkpoint-N`` folder in ``out_dir`` (None when there is none)."""
    from transformers.trainer_utils import get_last_checkpoint

    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        return None
    return get_last_checkpoint(str(out_dir))


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MiB (process lifetime, not per run)."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


def trainable_snapshot(model: "torch.nn.Module") -> dict[str, "torch.Tensor"]:
    """Copies of the trainable parameters, by name (taken before TRL touches their dtype)."""
    return {n: p.detach().clone() for n, p in model.named_parameters() if p.requires_grad}


def cast_trainable(model: "torch.nn.Module", dtype: "torch.dtype", snapshot: dict[str, "torch.Tensor"] | None = None) -> None:
    """Cast trainable (adapter) parameters to ``dtype``, restoring exact values from ``snapshot``.

    TRL casts LoRA weights of a quantized base to bfloat16 (the QLoRA paper's
    GPU recipe); on CPU with float32 compute that is slower and lossier, so
    the runners cast them back to the quantization compute dtype. A loaded
    adapter (stage continuation, DPO) would already have been rounded
    through bfloat16, so its pre-trainer ``snapshot`` is copied back.
    """
    snapshot = snapshot or {}
    for name, p in model.named_parameters():
        if p.requires_grad:
            src = snapshot.get(name, p.data)
            if p.dtype != dtype or name in snapshot:
                p.data = src.to(dtype)


def progress_callback(progress: ProgressFn) -> "TrainerCallback":
    """A ``TrainerCallback`` forwarding every log event to ``progress(step, max_steps, logs)``."""
    from transformers import TrainerCallback

    class _Progress(TrainerCallback):
        """Forwards trainer logs to a plain function."""

        def on_log(self, args, state, control, logs=None, **kwargs):
            """Call ``progress`` with the step, the planned steps and the numeric logs."""
            numeric = {k: float(v) for k, v in (logs or {}).items() if isinstance(v, (int, float))}
            progress(state.global_step, state.max_steps, numeric)

    return _Progress()


def history(log_history: list[dict[str, Any]], key: str) -> list[tuple[int, float]]:
    """(step, value) pairs of one logged metric from ``trainer.state.log_history``."""
    return [(int(e["step"]), float(e[key])) for e in log_history if key in e and "step" in e]


def plot_curves(curves: dict[str, list[tuple[int, float]]], path: str | Path, title: str) -> Path | None:
    """Write a PNG line plot of named (step, value) series (matplotlib Agg); None when no points."""
    if not any(curves.values()):
        return None
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.5), dpi=100)
    for name, pts in curves.items():
        if pts:
            ax.plot([s for s, _ in pts], [v for _, v in pts], marker="." if len(pts) < 50 else None, label=name)
    ax.set_xlabel("optimizer step")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path)
    plt.close(fig)
    return path
