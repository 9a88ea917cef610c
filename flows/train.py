"""Training flow: base model -> SFT stage(s) on data mixtures -> DPO -> merge, each stage a cached task."""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger

from interosight_core.config import DEFAULT_CONFIG, PipelineConfig, load_config
from interosight_core.warehouse import warehouse_ref
from tasks.common import results_dir
from tasks.train import (
    base_model_ref,
    fingerprint_training_data,
    merge_final_adapter,
    model_card,
    planned_sft_stages,
    publish_training_summary,
    train_code_version,
    train_dpo_stage,
    train_sft_stage,
)


def _present(result: dict, rerun) -> dict:
    """A cached result whose adapter folder was deleted since: run the task again (refreshing its cache)."""
    if Path(result["adapter"], "adapter_config.json").is_file():
        return result
    get_run_logger().warning("%s: cached adapter %s is gone; training the stage again", result["name"], result["adapter"])
    return rerun()


def _ref(result: dict) -> dict:
    """What a downstream stage depends on: the adapter folder and its content fingerprint."""
    return {"adapter": result["adapter"], "fingerprint": result["fingerprint"]}


def run_train_stage(cfg: PipelineConfig) -> dict:
    """Run the training stage; return ``{"base_model", "stages": [{"name", "kind", "adapter"}], "merged"}``.

    The same dict is written to ``<work_dir>/runs/train/result.json`` for the
    evaluation stage and ``interosight chat``.
    """
    logger = get_run_logger()
    t = cfg.training
    store = warehouse_ref(cfg.warehouse_path)
    storage = results_dir(cfg)
    work_dir = str(Path(cfg.work_dir).resolve())
    code = train_code_version()
    base = base_model_ref(cfg)
    fps = fingerprint_training_data(store)
    sft_task = train_sft_stage.with_options(result_storage=storage)
    seed, replacement = (t.curriculum.seed, t.curriculum.replacement) if t.curriculum else (t.sft.seed, "auto")

    results: list[dict] = []
    upstream: dict | None = None
    stages = planned_sft_stages(t)
    for i, stage in enumerate(stages):
        data_fp = {n: fps[n] for n in sorted(stage.mixture) if stage.mixture[n] > 0}
        args = (t.sft, stage, i, seed, replacement, data_fp, store, base, upstream, t.launcher, work_dir, code)
        result = _present(sft_task(*args), lambda a=args: sft_task.with_options(refresh_cache=True)(*a))
        results.append(result)
        upstream = _ref(result)

    if t.dpo is None:
        logger.info("DPO: skipped (training.dpo is null)")
    elif fps["preference_pairs"]["rows"] == 0:
        logger.info("DPO: skipped, the warehouse has no preference pairs for training posts "
                    "(the synthesis stage writes them when synthesis.preferences.enabled)")
    else:
        dpo_task = train_dpo_stage.with_options(result_storage=storage)
        args = (t.dpo, fps["preference_pairs"], store, base, upstream, t.launcher, len(stages), work_dir, code)
        result = _present(dpo_task(*args), lambda: dpo_task.with_options(refresh_cache=True)(*args))
        results.append(result)
        upstream = _ref(result)

    merge_task = merge_final_adapter.with_options(result_storage=storage)
    margs = (t.merge, t.sft.quantization, base, upstream, model_card(t, results, fps), work_dir, code)
    merged = merge_task(*margs)
    if not Path(merged["path"], "config.json").is_file():
        merged = merge_task.with_options(refresh_cache=True)(*margs)
    result = {
        "base_model": base["path"],
        "stages": [{"name": r["name"], "kind": r["kind"], "adapter": r["adapter"]} for r in results],
        "merged": merged["path"],
    }
    publish_training_summary(result, results, merged, base, work_dir)
    return result


@flow(name="train", description="Train the MI model: tiny/base model, SFT stages on data mixtures, DPO, adapter merge.")
def train_flow(config_path: str = str(DEFAULT_CONFIG)) -> dict:
    """Training stage as a flow; returns the base model, each stage's adapter and the merged model."""
    return run_train_stage(load_config(config_path))
