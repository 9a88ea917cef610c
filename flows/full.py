"""The whole InteroSight DAG as one flow (`interosight/full`); each stage is a subflow."""

from __future__ import annotations

from prefect import flow

from interosight_core.config import DEFAULT_CONFIG, load_config
from interosight_core.errors import ConfigError
from flows.evaluate import evaluate_flow
from flows.ingest import ingest_flow
from flows.prepare import prepare_flow
from flows.synthesize import backend_override, synthesize_flow
from flows.train import train_flow

#: DAG order. Each stage reads what the one before it wrote (the warehouse, or for evaluate the
#: train result), so a stage run alone uses the latest output of the stages before it.
STAGES = ("ingest", "prepare", "synthesize", "train", "evaluate")


@flow(name="interosight", description="InteroSight pipeline: ingest -> prepare -> synthesize -> train -> evaluate.")
def full_flow(config_path: str = str(DEFAULT_CONFIG), stages: list[str] | None = None, backend: str | None = None) -> dict:
    """Run the selected stages (default: all) in DAG order; return each stage's small result.

    `backend` overrides `synthesis.backend` (template, transformers, vllm, openai).
    """
    load_config(config_path, backend_override(backend))  # fail fast, before any stage starts, on a bad config
    selected = list(stages or STAGES)
    unknown = [s for s in selected if s not in STAGES]
    if unknown:
        raise ConfigError(f"unknown stage(s) {', '.join(unknown)} (stages: {', '.join(STAGES)})")
    results: dict = {}
    if "ingest" in selected:
        results["ingest"] = ingest_flow(config_path)
    if "prepare" in selected:
        results["prepare"] = prepare_flow(config_path)
    if "synthesize" in selected:
        results["synthesize"] = synthesize_flow(config_path, backend)
    if "train" in selected:
        results["train"] = train_flow(config_path)
    if "evaluate" in selected:
        results["evaluate"] = evaluate_flow(config_path, trained=results.get("train"))
    return results
