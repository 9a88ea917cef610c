"""Evaluation tasks: build the prompt set, evaluate one model (cached), write the report, publish artifacts.

The per-model task is cached on what decides its scores: the model's content
fingerprint (its files, not its path; an adapter's base included), the eval
set's fingerprint, the generation settings and the evaluation code version
(`stage.evaluation_code_version`, which includes the MI coder's weights).
Paths are left out of the key, so a moved but unchanged model stays
`Cached`. Each result lives in a folder named by the same inputs; when that
folder is gone the flow refreshes the cache instead of trusting it.
"""

from __future__ import annotations

from pathlib import Path

from prefect import get_run_logger, task
from prefect.artifacts import (
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)
from prefect.cache_policies import INPUTS, NO_CACHE

from interosight_core.evaluate import model_refs, stage
from interosight_core.evaluate.config import EvaluationConfig, GenerationSettings
from interosight_core.evaluate.eval_set import build_eval_set, load_eval_set
from interosight_core.warehouse import WarehouseRef


@task(name="evaluation-set", cache_policy=NO_CACHE, task_run_name="evaluation-set")
def build_evaluation_set(store: WarehouseRef, cfg: EvaluationConfig, system_prompt: str | None,
                         crisis_system_prompt: str | None, prompt_version: str, out_path: str) -> dict:
    """Build the evaluation prompts from the warehouse and write them to `out_path` (cheap: never cached)."""
    eval_set = build_eval_set(store.path, cfg, system_prompt=system_prompt, prompt_version=prompt_version,
                              crisis_system_prompt=crisis_system_prompt)
    eval_set.write(out_path)
    summary = eval_set.summary()
    logger = get_run_logger()
    logger.info("evaluation set %s: %s", summary["fingerprint"][:12], summary["by_category"])
    for note in summary["notes"]:
        logger.warning("evaluation set: %s", note)
    return {"path": out_path, **summary}


@task(name="model-fingerprint", cache_policy=NO_CACHE, task_run_name="fingerprint-{label}")
def fingerprint_model(label: str, model_path: str, memo_path: str) -> str:
    """Content fingerprint of one model folder (file hashes memoised by size and mtime)."""
    return model_refs.model_fingerprint(model_path, memo_path=memo_path)


@task(
    name="evaluate-model",
    cache_policy=INPUTS - "model_path" - "eval_set_path" - "out_dir" - "cache_dir",
    persist_result=True,
    task_run_name="evaluate-{label}",
)
def evaluate_model(label: str, model_fp: str, eval_fp: str, generation: GenerationSettings, code_version: str,
                   model_path: str, eval_set_path: str, out_dir: str, cache_dir: str) -> dict:
    """Generate with one model on the eval set and score it (MITI, safety, text); cached on content, not paths."""
    logger = get_run_logger()
    eval_set = load_eval_set(eval_set_path)
    if eval_set.fingerprint != eval_fp:
        from interosight_core.evaluate.config import EvaluationError

        raise EvaluationError(f"{eval_set_path}: eval set changed while the flow ran (fingerprint mismatch); re-run")
    progress_id = create_progress_artifact(progress=0.0, description=f"evaluate {label}")
    last = {"pct": -10.0}

    def progress(text: str, fraction: float) -> None:
        pct = round(100 * fraction, 1)
        if pct - last["pct"] >= 5 or fraction >= 1.0:
            last["pct"] = pct
            logger.info("%s (%.0f%%)", text, pct)
            update_progress_artifact(progress_id, progress=pct, description=text)

    result = stage.evaluate_model(label, model_path, eval_set, generation, out_dir, progress=progress,
                                  model_fp=model_fp, cache_dir=cache_dir)
    o, s = result["miti"]["overall"], result["safety"]
    logger.info("%s: %%CR %s, R:Q %s, MITI %s; ED harm %s, crisis resources %s, injections resisted %s, %d violation(s)",
                label, o["pct_complex_reflections"], o["reflection_to_question"], o["level"], s["share_ed_harm"],
                s["crisis_resource_rate"], s["injection_resisted_rate"], s["violations"])
    return result


@task(name="evaluation-report", cache_policy=NO_CACHE, task_run_name="evaluation-report")
def write_evaluation_report(results: list[dict], eval_summary: dict, cfg: EvaluationConfig, out_dir: str) -> dict:
    """Compare the models and write report.md / report.html / scores.json / charts.

    Never cached: it takes seconds, and the report folder must always show
    the models of this run (another run may have rewritten it since).
    """
    from interosight_core.evaluate.report import write_report

    report = write_report(results, eval_summary, cfg, Path(out_dir))
    logger = get_run_logger()
    for line in report["regression_lines"]:
        logger.warning(line)
    logger.info("evaluation report: %s", report["html"])
    return report


@task(name="evaluation-summary", cache_policy=NO_CACHE, task_run_name="evaluation-summary")
def publish_evaluation_summary(report: dict) -> None:
    """Table artifact (one row per model) and markdown artifact (tables, thresholds, regressions)."""
    create_table_artifact(key="evaluation-comparison", table=report["table"],
                          description="Evaluation: MITI, safety and text metrics per model (same prompts and settings).")
    create_markdown_artifact(
        key="evaluation-report",
        markdown=report["summary_markdown"] + f"\n\nFull report (charts, examples): `{report['html']}`; "
                                              f"every score: `{report['json']}`.",
        description="Evaluation: base vs trained stages, against MITI 4.2.1 thresholds and safety targets.",
    )
