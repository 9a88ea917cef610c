"""Scheduled regeneration of the synthetic data (deployment `interosight/regenerate-synthetic`).

Re-ingests (cached per source file), re-prepares (cached on its inputs) and
re-synthesises only the requests that are missing: replies for posts that
are new, or whose prompt version, model or sampling settings changed. A run
with nothing new generates nothing and says so. The flow is named
`interosight`, like the full pipeline, so its deployment is addressed as
`interosight/regenerate-synthetic`.
"""

from __future__ import annotations

from prefect import flow, get_run_logger

from interosight_core.config import DEFAULT_CONFIG, load_config
from flows.ingest import ingest_flow
from flows.prepare import prepare_flow
from flows.synthesize import run_synthesis_stage, synthesis_model_path
from interosight_core.warehouse import warehouse_ref
from tasks.synthesize import plan_synthesis


@flow(name="interosight", description="Re-synthesise MI replies for new posts or a changed prompt version/model.")
def regenerate_flow(config_path: str = str(DEFAULT_CONFIG)) -> dict:
    """Refresh the warehouse, then generate only what the current synthesis config is missing."""
    cfg = load_config(config_path)
    logger = get_run_logger()
    ingest_flow(config_path)
    prepare_flow(config_path)
    plan = plan_synthesis(cfg.synthesis, warehouse_ref(cfg.warehouse_path), synthesis_model_path(cfg))
    if plan["pending"] == 0:
        logger.info("regenerate: nothing new; all %d synthesis requests are already in the warehouse", plan["planned"])
        return {"plan": plan, "generated": 0}
    logger.info("regenerate: %d of %d requests are new; synthesising them", plan["pending"], plan["planned"])
    result = run_synthesis_stage(cfg)
    return {"plan": plan, "generated": result["report"]["requests"], "pairs_added": result["pairs"].get("pairs_added", 0)}
