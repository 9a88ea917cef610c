"""Synthesis tasks: resolve the model, plan requests, generate (cached, resumable), build DPO pairs, publish.

The generate task's cache key is what the configuration asks for (the
fingerprint of every planned request key), not what is missing: after a
complete run the same plan is `Cached`; after a crash Prefect has no result,
so the re-run executes and the runner generates only the missing keys. New
posts, a new prompt version or a different model change the plan, so they
run again and add only their new requests.
"""

from __future__ import annotations

import atexit
import hashlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from prefect import get_run_logger, task
from prefect.artifacts import create_progress_artifact, create_table_artifact, update_progress_artifact
from prefect.cache_policies import INPUTS, NO_CACHE

from interosight_core.fingerprint import code_version
from interosight_core.synth.backends import backend_identity, make_backend, model_fingerprint
from interosight_core.synth.config import SynthesisConfig
from interosight_core.warehouse import WarehouseRef

if TYPE_CHECKING:
    from interosight_core.synth.runner import SynthesisReport

LLM_BACKENDS = ("transformers", "vllm")


def synthesis_code_version() -> str:
    """Version of the code that decides what synthesis writes (prompts, gate, runner, backends)."""
    return code_version("synth", "prepare", "warehouse")


def resolve_model_path(cfg: SynthesisConfig, tiny_model_path: str | None) -> str | None:
    """The local folder (or Hub name) an LLM backend loads; None for template/openai."""
    if cfg.backend not in LLM_BACKENDS:
        return None
    if cfg.model == "tiny":
        return tiny_model_path
    local = Path(cfg.model).expanduser()
    return str(local.resolve()) if local.exists() else cfg.model


@task(name="synthesis-plan", cache_policy=NO_CACHE, task_run_name="synthesis-plan")
def plan_synthesis(cfg: SynthesisConfig, store: WarehouseRef, model_path: str | None) -> dict:
    """What the config asks for and what is still missing (never cached: it reads the warehouse)."""
    from interosight_core.synth.runner import plan_synthesis

    identity = backend_identity(cfg, model_path)
    plan = plan_synthesis(store.path, cfg, identity, model_fingerprint(model_path))
    keys = "\n".join(sorted(p.request.key for p in plan.planned))
    return {
        "backend": identity[0], "model": identity[1], "planned": len(plan.planned), "pending": len(plan.pending),
        "fingerprint": hashlib.sha256(keys.encode()).hexdigest(),
    }


def progress_reporter(description: str):
    """A callback that drives a tqdm bar on stderr and a Prefect progress artifact."""
    from tqdm import tqdm

    artifact_id = create_progress_artifact(progress=0.0, description=description)
    bar: dict = {}

    def progress(done: int, total: int) -> None:
        if "bar" not in bar:
            bar["bar"] = tqdm(total=total, desc=description, unit="req", file=sys.stderr, disable=total == 0)
        bar["bar"].update(done - bar["bar"].n)
        update_progress_artifact(artifact_id, progress=round(100.0 * done / total, 1) if total else 100.0)
        if done >= total:
            bar["bar"].close()

    return progress


@task(name="synthesize", cache_policy=INPUTS, persist_result=True, task_run_name="synthesize-{cfg.backend}")
def synthesize(cfg: SynthesisConfig, plan_fingerprint: str, store: WarehouseRef, model_path: str | None, code: str) -> dict:
    """Generate every planned request that is not in the warehouse yet; return the run report."""
    from interosight_core.synth.prompts import prompt_version_id
    from interosight_core.synth.runner import SynthesisReport, plan_synthesis, run_synthesis

    logger = get_run_logger()
    identity = backend_identity(cfg, model_path)
    plan = plan_synthesis(store.path, cfg, identity, model_fingerprint(model_path))
    if not plan.pending:
        logger.info("synthesis: all %d requests are already in the warehouse; nothing to generate", len(plan.planned))
        report = SynthesisReport(run_id="", backend=identity[0], model=identity[1], prompt_version=prompt_version_id(cfg.prompt_version),
                                 planned=len(plan.planned), already_done=len(plan.planned))
    else:
        backend = make_backend(cfg, model_path)
        try:
            report = run_synthesis(store.path, cfg, backend, plan, identity, progress=progress_reporter("synthesis"))
        finally:
            backend.close()
    result = report.to_dict()
    logger.info(
        "synthesis: %d requests (%d already done); accepted %s; exhausted %s; %.1f tokens/s",
        result["requests"], result["already_done"], result["accepted"], result["exhausted"], result["tokens_per_second"],
    )
    return result


#: Backends loaded in this (worker) process, by configuration: a cluster worker loads its model once
#: and keeps it for every shard it is given.
_WORKER_BACKENDS: dict[tuple[str, str | None], object] = {}


def _worker_backend(cfg: SynthesisConfig, model_path: str | None):
    key = (cfg.model_dump_json(), model_path)
    if key not in _WORKER_BACKENDS:
        if not _WORKER_BACKENDS:
            atexit.register(_close_worker_backends)
        _WORKER_BACKENDS[key] = make_backend(cfg, model_path)
    return _WORKER_BACKENDS[key]


def _close_worker_backends() -> None:
    while _WORKER_BACKENDS:
        _, backend = _WORKER_BACKENDS.popitem()
        backend.close()


@task(name="synthesize-shard", cache_policy=NO_CACHE, persist_result=False,
      task_run_name="synthesize-shard-{shard_no}")
def synthesize_shard(cfg: SynthesisConfig, shard: list, shard_no: int, model_path: str | None,
                     identity: tuple[str, str], run_id: str) -> tuple[list, "SynthesisReport"]:
    """Generate and gate one shard of requests on a cluster worker; return its rows for the flow to write."""
    from interosight_core.synth.runner import generate_shard

    batches, report = generate_shard(_worker_backend(cfg, model_path), shard, cfg, identity, run_id)
    get_run_logger().info("synthesis: shard %d generated %d requests (%d replies)", shard_no, report.requests,
                          report.responses)
    return batches, report


@task(name="preference-pairs", cache_policy=INPUTS, persist_result=True, task_run_name="preference-pairs")
def preference_pairs(cfg: SynthesisConfig, plan_fingerprint: str, store: WarehouseRef, backend: str, model: str, code: str) -> dict:
    """Score candidates with the MI coder and add the missing DPO pairs (cached on the plan)."""
    from interosight_core.synth.preferences import build_preference_pairs

    logger = get_run_logger()
    if not cfg.preferences.enabled:
        logger.info("preference pairs: disabled (synthesis.preferences.enabled = false)")
        return {"pairs_added": 0, "method": cfg.preferences.method, "disabled": True}
    result = build_preference_pairs(store.path, cfg, backend, model, progress=progress_reporter("MI-coding candidates"))
    logger.info("preference pairs: %s", result)
    return result


@task(name="synthesis-summary", cache_policy=NO_CACHE, task_run_name="synthesis-summary")
def publish_synthesis_summary(report: dict, pairs: dict, store: WarehouseRef) -> None:
    """Table artifact: requests, accepted/exhausted per kind, rejections by reason, tokens/s, pairs."""
    from interosight_core.warehouse import open_warehouse

    rows = [
        {"what": "requests planned", "value": report["planned"]},
        {"what": "already in the warehouse", "value": report["already_done"]},
        {"what": "requests generated now", "value": report["requests"]},
    ]
    rows += [{"what": f"accepted: {k}", "value": v} for k, v in sorted(report["accepted"].items())]
    rows += [{"what": f"gave up after regenerations: {k}", "value": v} for k, v in sorted(report["exhausted"].items())]
    rows += [{"what": f"rejected reply: {k}", "value": v} for k, v in sorted(report["rejected_by_reason"].items())]
    rows += [
        {"what": "completion tokens/s (end to end)", "value": report["tokens_per_second"]},
        {"what": "runner overhead / engine time", "value": report["runner_overhead"]},
        {"what": "preference pairs added", "value": pairs.get("pairs_added", 0)},
    ]
    with open_warehouse(store.path, read_only=True) as con:
        totals = con.execute(
            "SELECT (SELECT count(*) FROM synth_responses WHERE accepted AND kind = 'mi'), (SELECT count(*) FROM preference_pairs)"
        ).fetchone()
    rows += [{"what": "accepted MI replies in the warehouse", "value": totals[0]},
             {"what": "preference pairs in the warehouse", "value": totals[1]}]
    create_table_artifact(key="synthesis-summary", table=rows,
                          description=f"Synthesis with {report['backend']} ({report['model']}), prompt {report['prompt_version']}.")
