"""Data mixing and curriculum training: weighted mixtures of named sources, stage after stage.

A stage trains on a mixture such as ``{"synthetic_mi": 0.5, "counselchat":
0.3, "annomi": 0.2}`` drawn deterministically (seeded) to a target size. A
curriculum is a list of such stages with their own learning rates (seed 004:
100% CounselChat -> 100% AnnoMI with decreasing rates); every stage continues
the adapter of the stage before it. Sequential training (stage 1 on one
source, stage 2 on another) is the special case of one-source mixtures.
"""

from __future__ import annotations

import logging
import random
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from pydantic import BaseModel, Field

from interosight_core.train.config import CurriculumConfig, CurriculumStage, SFTStageConfig, TrainError
from interosight_core.train.sft import SFTResult, load_sft_result, run_sft

if TYPE_CHECKING:
    from datasets import Dataset

    from interosight_core.train.runtime import ProgressFn

log = logging.getLogger(__name__)


def apportion(weights: Mapping[str, float], total: int) -> dict[str, int]:
    """Split ``total`` into integer counts proportional to ``weights`` (largest remainder, ties by name)."""
    positive = {k: float(w) for k, w in weights.items() if w > 0}
    s = sum(positive.values())
    if s <= 0:
        raise TrainError("mixture weights must have a positive sum")
    exact = {k: total * w / s for k, w in positive.items()}
    counts = {k: int(v) for k, v in exact.items()}
    left = total - sum(counts.values())
    for k in sorted(exact, key=lambda k: (-(exact[k] - counts[k]), k))[:left]:
        counts[k] += 1
    return counts


def _rows_of(source: Any) -> list[Any]:
    """A source as a list of conversations (a Dataset's ``messages`` column or a list)."""
    if hasattr(source, "column_names"):
        if "messages" not in source.column_names:
            raise TrainError(f"source dataset has no 'messages' column (columns: {source.column_names})")
        return list(source["messages"])
    return [r["messages"] if isinstance(r, Mapping) else r for r in source]


def _draw(n_avail: int, count: int, rng: random.Random, replacement: str) -> list[int]:
    """Indices for ``count`` draws from ``n_avail`` items: without replacement when possible.

    With replacement it cycles through fresh shuffles, so every example is
    used once before any is used twice.
    """
    if replacement == "never" and count > n_avail:
        raise TrainError(f"need {count} examples but the source has {n_avail} and replacement='never'")
    if replacement != "always" and count <= n_avail:
        return rng.sample(range(n_avail), count)
    out: list[int] = []
    while len(out) < count:
        perm = list(range(n_avail))
        rng.shuffle(perm)
        out.extend(perm[: count - len(out)])
    return out


def mix_sources(
    sources: Mapping[str, Sequence[Any] | "Dataset"],
    mixture: Mapping[str, float],
    num_examples: int,
    seed: int = 0,
    replacement: str = "auto",
    salt: str = "",
) -> "Dataset":
    """Draw a deterministic weighted mixture of named sources.

    ``sources``: name -> conversations (list or ``Dataset`` with ``messages``).
    ``mixture``: name -> weight (normalised; zero weights are skipped).
    Counts per source are apportioned exactly (largest remainder); each
    source is sampled with its own RNG seeded by ``(seed, salt, name)``, and
    the result is shuffled. Returns a ``Dataset`` with ``messages`` and
    ``source`` columns. Same inputs -> same rows in the same order.
    """
    from datasets import Dataset

    counts = apportion(mixture, num_examples)
    missing = sorted(set(counts) - set(sources))
    if missing:
        raise TrainError(f"mixture names unknown sources {missing}; available: {sorted(sources)}")
    messages: list[Any] = []
    names: list[str] = []
    for name in sorted(counts):
        rows = _rows_of(sources[name])
        if not rows:
            raise TrainError(f"source {name!r} is empty but has weight {mixture[name]}")
        rng = random.Random(f"{seed}:{salt}:{name}")
        for i in _draw(len(rows), counts[name], rng, replacement):
            messages.append(rows[i])
            names.append(name)
    order = list(range(len(messages)))
    random.Random(f"{seed}:{salt}:shuffle").shuffle(order)
    return Dataset.from_dict({"messages": [messages[i] for i in order], "source": [names[i] for i in order]})


def curriculum_datasets(
    cfg: CurriculumConfig, sources: Mapping[str, Sequence[Any] | "Dataset"]
) -> list[tuple[CurriculumStage, "Dataset"]]:
    """The per-stage training sets of a curriculum, each drawn with the stage name as salt."""
    return [
        (stage, mix_sources(sources, stage.mixture, stage.num_examples, cfg.seed, cfg.replacement, salt=stage.name))
        for stage in cfg.stages
    ]


def stage_sft_config(base: SFTStageConfig, stage: CurriculumStage) -> SFTStageConfig:
    """The SFT config of one curriculum stage: ``base`` with the stage's name, lr, epochs and steps."""
    return base.model_copy(
        update={
            "name": stage.name,
            "learning_rate": stage.learning_rate,
            "num_train_epochs": stage.num_train_epochs,
            "max_steps": stage.max_steps,
        }
    )


class CurriculumResult(BaseModel):
    """Results of every stage of a curriculum run, in order."""

    stages: list[SFTResult] = Field(description="One SFTResult per stage, in training order.")
    adapter_dir: Path = Field(description="Adapter of the last stage (input to DPO or merge).")
    mixtures: list[dict[str, int]] = Field(description="Per-stage example counts by source.")


def run_curriculum(
    cfg: CurriculumConfig,
    sft_cfg: SFTStageConfig,
    base_model_path: str | Path,
    sources: Mapping[str, Sequence[Any] | "Dataset"],
    out_dir: str | Path,
    start_adapter: str | Path | None = None,
    progress: "ProgressFn | None" = None,
) -> CurriculumResult:
    """Train the curriculum's stages in order on one adapter.

    Stage ``i`` writes to ``out_dir/NN_<name>`` and continues the adapter of
    stage ``i-1`` (stage 0 starts a fresh LoRA, or ``start_adapter``). With
    ``sft_cfg.resume`` a stage that already wrote its result is skipped and an
    interrupted stage resumes from its last checkpoint, so a killed curriculum
    continues where it stopped. The folder must be specific to the config
    (e.g. a run folder keyed by the config hash).
    """
    if not cfg.stages:
        raise TrainError("curriculum.stages is empty; give at least one stage")
    out_dir = Path(out_dir)
    adapter = Path(start_adapter) if start_adapter else None
    results: list[SFTResult] = []
    mixtures: list[dict[str, int]] = []
    for i, (stage, ds) in enumerate(curriculum_datasets(cfg, sources)):
        stage_dir = out_dir / f"{i:02d}_{stage.name}"
        mixtures.append(apportion(stage.mixture, stage.num_examples))
        if sft_cfg.resume and (stage_dir / "sft_result.json").is_file():
            log.info("curriculum stage %s already done, skipping", stage.name)
            result = load_sft_result(stage_dir)
        else:
            log.info("curriculum stage %d/%d %s: %s, lr %g", i + 1, len(cfg.stages), stage.name, mixtures[-1], stage.learning_rate)
            result = run_sft(stage_sft_config(sft_cfg, stage), base_model_path, ds, stage_dir,
                             resume_adapter=adapter, progress=progress)
        results.append(result)
        adapter = result.adapter_dir
    return CurriculumResult(stages=results, adapter_dir=adapter, mixtures=mixtures)
