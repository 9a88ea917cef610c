"""Evaluation flow: the base model and every trained stage on the same held-out prompts, compared in one report."""

from __future__ import annotations

from pathlib import Path

from prefect import flow

from interosight_core.config import DEFAULT_CONFIG, PipelineConfig, load_config
from interosight_core.evaluate import model_refs, stage
from interosight_core.evaluate.config import EvaluationError
from interosight_core.fingerprint import config_hash
from interosight_core.warehouse import warehouse_ref
from tasks.common import results_dir
from tasks.evaluate import (
    build_evaluation_set,
    evaluate_model,
    fingerprint_model,
    publish_evaluation_summary,
    write_evaluation_report,
)


def evaluation_dir(cfg: PipelineConfig) -> Path:
    """Where the evaluation writes: `<work_dir>/runs/evaluate` (eval set, per-model results, report)."""
    return Path(cfg.work_dir).resolve() / "runs" / "evaluate"


def models_to_evaluate(cfg: PipelineConfig, trained: dict | None = None, models: dict[str, str] | None = None) -> dict[str, str]:
    """Label -> model path, in order: explicit `models`, else the train result (given or read from the run folder).

    The train result is `{"base_model", "stages": [{"name", "kind", "adapter"}], "merged"}`;
    without one, `<work_dir>/runs/train/result.json` (written by the train flow) is read.
    `evaluation.stages` then selects labels.
    """
    if models:
        chosen = dict(models)
    else:
        result = trained if trained is not None else model_refs.read_train_result(cfg.work_dir)
        if result is None:
            raise EvaluationError(
                f"nothing to evaluate: no training result at {Path(cfg.work_dir) / 'runs' / 'train' / 'result.json'}; "
                "run `interosight train` first or pass models with --model LABEL=PATH"
            )
        chosen = model_refs.models_from_train_result(result)
    return model_refs.select_models(chosen, cfg.evaluation.stages)


def run_evaluate_stage(cfg: PipelineConfig, trained: dict | None = None, models: dict[str, str] | None = None) -> dict:
    """Build the eval set, evaluate each model (cached per model), write and publish the comparison report."""
    chosen = models_to_evaluate(cfg, trained, models)
    out = evaluation_dir(cfg)
    out.mkdir(parents=True, exist_ok=True)
    ecfg = cfg.evaluation
    system_prompt = ecfg.system_prompt if ecfg.system_prompt is not None else cfg.training.sft.system_prompt
    crisis_prompt = ecfg.crisis_system_prompt if ecfg.crisis_system_prompt is not None else cfg.training.sft.crisis_system_prompt
    eval_summary = build_evaluation_set(warehouse_ref(cfg.warehouse_path), ecfg, system_prompt, crisis_prompt,
                                        cfg.synthesis.prompt_version, str(out / "eval_set.jsonl"))
    version = stage.evaluation_code_version()
    storage = results_dir(cfg)
    results = []
    for label, path in chosen.items():
        local = Path(path).expanduser()
        path = str(local.resolve()) if local.exists() else path
        model_fp = fingerprint_model(label, path, str(out / "cache" / "file_hashes.json"))
        key = stage.run_key(label, model_fp, eval_summary["fingerprint"], ecfg.generation, version)
        folder = out / "models" / f"{label}-{key}"
        task = evaluate_model.with_options(result_storage=storage, refresh_cache=not (folder / "scores.json").is_file())
        results.append(task(label, model_fp, eval_summary["fingerprint"], ecfg.generation, version, path,
                            eval_summary["path"], str(folder), str(out / "cache")))
    report_dir = out / "report"
    eval_info = {k: v for k, v in eval_summary.items() if k != "path"}
    report = write_evaluation_report(results, eval_info, ecfg, str(report_dir))
    publish_evaluation_summary(report)
    return {"models": list(chosen), "eval_set": eval_info["fingerprint"], "report": report["html"],
            "json": report["json"], "table": report["table"], "regressions": report["regression_lines"],
            "config": config_hash(ecfg)}


@flow(name="evaluate", description="MITI, safety and text metrics for the base model and every trained stage; comparison report.")
def evaluate_flow(config_path: str = str(DEFAULT_CONFIG), trained: dict | None = None,
                  models: dict[str, str] | None = None) -> dict:
    """Evaluation stage as a flow: `trained` is the train flow's result, `models` an explicit label -> path map.

    With neither, the latest train result (`<work_dir>/runs/train/result.json`) is evaluated.
    """
    return run_evaluate_stage(load_config(config_path), trained=trained, models=models)
