"""The evaluate flow on the sample: tiny base + a LoRA adapter, report and artifacts, cached re-runs by content."""

from __future__ import annotations

import asyncio
import json
import shutil

import pytest
from flow_helpers import demo_config_copy
from test_ingest_flow import task_states

from flows.evaluate import evaluate_flow
from interosight_core.config import load_config
from interosight_core.evaluate.eval_set import load_crisis_prompts

EVALUATION = {
    "max_heldout_posts": 6, "max_crisis_posts": 2, "max_pro_ed_posts": 2, "max_dialog_examples": 2,
    "generation": {"max_new_tokens": 12, "batch_size": 8},
}


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    """The sample ingested and prepared (core calls), a tiny base model and an untrained LoRA adapter on it."""
    import duckdb
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    from interosight_core.ingest import ingest_source
    from interosight_core.prepare.stage import run_prepare
    from interosight_core.train.models import build_tiny_model

    torch.set_num_threads(2)
    root = tmp_path_factory.mktemp("evaluate-flow")
    config = demo_config_copy(root, evaluation=EVALUATION)
    cfg = load_config(config)
    for source in cfg.ingest.sources:
        ingest_source(cfg.warehouse_path, source)
    run_prepare(cfg.warehouse_path, cfg.prepare)
    with duckdb.connect(str(cfg.warehouse_path), read_only=True) as con:
        texts = [r[0] for r in con.execute("SELECT text_clean FROM prepared_posts ORDER BY post_id LIMIT 400").fetchall()]
    base = build_tiny_model(root / "models" / "base", texts, seed=0)
    model = AutoModelForCausalLM.from_pretrained(str(base))
    lora = LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"], init_lora_weights=False)
    torch.manual_seed(0)
    adapter = root / "models" / "sft"
    get_peft_model(model, lora).save_pretrained(str(adapter))
    return {"config": config, "cfg": cfg, "base": str(base), "adapter": str(adapter), "root": root}


def _artifact_keys(flow_run_id) -> set[str]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    async def read():
        async with get_client() as client:
            arts = await client.read_artifacts(artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id])))
            return {a.key for a in arts if a.key}

    return asyncio.run(read())


def test_evaluate_flow_reports_then_caches_by_model_content(setup):
    trained = {"base_model": setup["base"], "stages": [{"name": "sft", "kind": "sft", "adapter": setup["adapter"]}],
               "merged": None}
    first = evaluate_flow(config_path=str(setup["config"]), trained=trained, return_state=True)
    assert first.is_completed(), first.message
    result = first.result()
    assert result["models"] == ["base", "sft"]
    assert [row["model"] for row in result["table"]] == ["base", "sft"]
    out = setup["cfg"].work_dir / "runs" / "evaluate"
    report = out / "report"
    for name in ("report.md", "report.html", "scores.json", "charts/miti.png", "charts/safety.png", "charts/text.png"):
        assert (report / name).is_file(), name
    scores = json.loads((report / "scores.json").read_text())
    assert [m["label"] for m in scores["models"]] == ["base", "sft"]
    counts = scores["eval_set"]["by_category"]
    n_crisis = 2 + len(load_crisis_prompts())  # the held-out crisis posts + the hand-written ones
    assert counts["heldout"] == 6 and counts["crisis"] == n_crisis and counts["pro_ed"] == 2 and counts["injection"] >= 8
    for model in scores["models"]:
        assert model["n_prompts"] == scores["eval_set"]["n_items"] == len(scores["answers"][model["label"]])
        assert model["safety"]["crisis_prompts"] == n_crisis and model["safety"]["injection_prompts"] == counts["injection"]
        assert model["generation"]["settings"]["max_new_tokens"] == 12
    base_fp, sft_fp = (m["model_fingerprint"] for m in scores["models"])
    assert base_fp != sft_fp
    states = task_states(first.state_details.flow_run_id, {"evaluate-base", "evaluate-sft", "evaluation-report"})
    assert states["evaluate-base"] == states["evaluate-sft"] == "Completed", states
    assert {"evaluation-comparison", "evaluation-report"} <= _artifact_keys(first.state_details.flow_run_id)

    # Same models again: every model evaluation is Cached. A copy of the adapter elsewhere is the same model.
    moved = setup["root"] / "elsewhere" / "sft-copy"
    shutil.copytree(setup["adapter"], moved)
    trained_moved = {**trained, "stages": [{"name": "sft", "kind": "sft", "adapter": str(moved)}]}
    second = evaluate_flow(config_path=str(setup["config"]), trained=trained_moved, return_state=True)
    assert second.is_completed(), second.message
    states = task_states(second.state_details.flow_run_id, {"evaluate-base", "evaluate-sft"})
    assert states["evaluate-base"] == states["evaluate-sft"] == "Cached", states
    assert second.result()["table"] == result["table"]

    # Without a trained dict the flow reads the train flow's result file; evaluation.stages selects labels.
    train_dir = setup["cfg"].work_dir / "runs" / "train"
    train_dir.mkdir(parents=True, exist_ok=True)
    (train_dir / "result.json").write_text(json.dumps(trained))
    config = demo_config_copy(setup["root"], "only-sft.yaml", evaluation={**EVALUATION, "stages": ["sft"]},
                              work_dir=str(setup["cfg"].work_dir))
    third = evaluate_flow(config_path=str(config), return_state=True)
    assert third.is_completed(), third.message
    assert third.result()["models"] == ["sft"]
    states = task_states(third.state_details.flow_run_id, {"evaluate-sft"})
    assert states["evaluate-sft"] == "Cached" and "evaluate-base" not in states


def test_evaluate_flow_without_models_is_one_line_error(tmp_path):
    from interosight_core.evaluate.config import EvaluationError

    config = demo_config_copy(tmp_path)
    state = evaluate_flow(config_path=str(config), return_state=True)
    assert state.is_failed()
    with pytest.raises(EvaluationError, match="nothing to evaluate: no training result at .*--model LABEL=PATH"):
        state.result()
