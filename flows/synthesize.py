"""Synthesis flow: MI replies for prepared posts (resumable, gated), then DPO preference pairs.

With `scale_out` sharding the stage, the missing requests are cut into
shards of whole batches; `synthesize-shard` tasks generate and gate them on
the cluster's workers (each loads the model once) and the flow writes each
shard's batches, one transaction each, as the shard finishes. A killed run
loses only the shards in flight; the next run generates what is missing.
"""

from __future__ import annotations

import time

from prefect import flow, get_run_logger, unmapped
from prefect.futures import as_completed

from interosight_core.config import DEFAULT_CONFIG, PipelineConfig, load_config
from interosight_core.scale_out import ScaleOutConfig
from interosight_core.synth.config import SynthesisConfig
from interosight_core.warehouse import WarehouseRef, warehouse_ref
from flows.task_runners import make_task_runner
from tasks.common import results_dir
from tasks.synthesize import (
    LLM_BACKENDS,
    plan_synthesis,
    preference_pairs,
    progress_reporter,
    publish_synthesis_summary,
    resolve_model_path,
    synthesis_code_version,
    synthesize,
    synthesize_shard,
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
    if cfg.scale_out.shards("synthesize") and plan["pending"]:
        sharded = synthesize_sharded_flow.with_options(task_runner=make_task_runner(cfg.scale_out))
        report = sharded(cfg.synthesis, cfg.scale_out, store, model_path)
    else:
        report = synthesize.with_options(result_storage=storage)(cfg.synthesis, plan["fingerprint"], store, model_path, code)
    pairs = preference_pairs.with_options(result_storage=storage)(
        cfg.synthesis, plan["fingerprint"], store, plan["backend"], plan["model"], code
    )
    publish_synthesis_summary(report, pairs, store)
    return {"plan": plan, "report": report, "pairs": pairs}


@flow(name="synthesize-sharded", description="Missing synthesis requests in shards on a Dask or Ray cluster; each shard written as it finishes.")
def synthesize_sharded_flow(cfg: SynthesisConfig, scale_out: ScaleOutConfig, store: WarehouseRef, model_path: str | None) -> dict:
    """Generate every missing request on the cluster, shard by shard; return the run's report."""
    from interosight_core.synth.backends import backend_identity, model_fingerprint
    from interosight_core.synth.runner import new_report, plan_synthesis, split_shards, write_batch

    started = time.perf_counter()
    identity = backend_identity(cfg, model_path)
    plan = plan_synthesis(store.path, cfg, identity, model_fingerprint(model_path))
    todo = plan.pending
    report = new_report(cfg, identity)
    report.planned, report.already_done = len(plan.planned), len(plan.planned) - len(todo)
    shards = split_shards(todo, cfg.batch_size, scale_out.batches_per_shard)
    get_run_logger().info("synthesis: %d requests in %d shards on %s", len(todo), len(shards), scale_out.task_runner)
    progress = progress_reporter("synthesis (sharded)")
    progress(0, len(todo))
    futures = synthesize_shard.map(unmapped(cfg), shards, list(range(len(shards))), unmapped(model_path),
                                   unmapped(identity), unmapped(report.run_id))
    done = 0
    for future in as_completed(futures):
        batches, part = future.result()
        for batch in batches:
            write_batch(store.path, batch)
        report.add(part)
        done += part.requests
        progress(done, len(todo))
    report.total_seconds = time.perf_counter() - started
    return report.to_dict()


@flow(name="synthesize", description="Generate MI replies for prepared posts (resumable, safety-gated) and DPO preference pairs.")
def synthesize_flow(config_path: str = str(DEFAULT_CONFIG), backend: str | None = None) -> dict:
    """Synthesis stage as a flow; `backend` overrides `synthesis.backend` of the config."""
    return run_synthesis_stage(load_config(config_path, backend_override(backend)))


def backend_override(backend: str | None) -> dict | None:
    """Config overrides for a `--backend` choice (None: the config's own)."""
    return {"synthesis": {"backend": backend}} if backend else None
