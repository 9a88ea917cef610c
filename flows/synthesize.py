"""Synthesis flow: MI replies for prepared posts (resumable, gated), then DPO preference pairs."""

from __future__ import annotations

from prefect import flow

from interosight_core.config import DEFAULT_CONFIG, PipelineConfig, load_config
from interosight_core.warehouse import warehouse_ref
from tasks.common import results_dir
from tasks.synthesize import (
    LLM_BACKENDS,
    plan_synthesis,
    preference_pairs,
    publish_synthesis_summary,
    resolve_model_path,
    synthesis_code_version,
    synthesize,
)


def synthesis_model_path(cfg: PipelineConfig) -> str | None:
    """The model an LLM backend loads; builds (cached) the work dir's tiny model when `model: tiny`."""
    tiny = None
    if cfg.synthesis.backend in LLM_BACKENDS and cfg.synthesis.model == "tiny":
        from tasks.train import ensure_base_model

        tiny = ensure_base_model(cfg)
    return resolve_model_path(cfg.synthesis, tiny)


def run_synthesis_stage(cfg: PipelineConfig) -> dict:
    """Plan, generate what is missing (cached on the plan), build pairs, publish the summary."""
    store = warehouse_ref(cfg.warehouse_path)
    model_path = synthesis_model_path(cfg)
    plan = plan_synthesis(cfg.synthesis, store, model_path)
    code = synthesis_code_version()
    storage = results_dir(cfg)
    report = synthesize.with_options(result_storage=storage)(cfg.synthesis, plan["fingerprint"], store, model_path, code)
    pairs = preference_pairs.with_options(result_storage=storage)(
        cfg.synthesis, plan["fingerprint"], store, plan["backend"], plan["model"], code
    )
    publish_synthesis_summary(report, pairs, store)
    return {"plan": plan, "report": report, "pairs": pairs}


@flow(name="synthesize", description="Generate MI replies for prepared posts (resumable, safety-gated) and DPO preference pairs.")
def synthesize_flow(config_path: str = str(DEFAULT_CONFIG), backend: str | None = None) -> dict:
    """Synthesis stage as a flow; `backend` overrides `synthesis.backend` of the config."""
    return run_synthesis_stage(load_config(config_path, backend_override(backend)))


def backend_override(backend: str | None) -> dict | None:
    """Config overrides for a `--backend` choice (None: the config's own)."""
    return {"synthesis": {"backend": backend}} if backend else None
