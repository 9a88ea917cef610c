"""The whole InteroSight DAG as one flow (`interosight/full`); each stage is a subflow."""

from __future__ import annotations

from prefect import flow

from interosight_core.config import DEFAULT_CONFIG, load_config
from interosight_core.errors import ConfigError
from flows.ingest import ingest_flow
from flows.prepare import prepare_flow

STAGES = ("ingest", "prepare")


@flow(name="interosight", description="InteroSight pipeline: ingest -> prepare (later stages are added as they land).")
def full_flow(config_path: str = str(DEFAULT_CONFIG), stages: list[str] | None = None) -> dict:
    """Run the selected stages (default: all) in DAG order; return each stage's small result."""
    load_config(config_path)  # fail fast, before any stage starts, on a bad config
    selected = list(stages or STAGES)
    unknown = [s for s in selected if s not in STAGES]
    if unknown:
        raise ConfigError(f"unknown stage(s) {', '.join(unknown)} (stages: {', '.join(STAGES)})")
    results: dict = {}
    if "ingest" in selected:
        results["ingest"] = ingest_flow(config_path)
    if "prepare" in selected:
        results["prepare"] = prepare_flow(config_path)
    return results
