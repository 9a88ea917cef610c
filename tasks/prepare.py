"""Prepare tasks: fingerprint the stage's inputs, run the prepare stage (cached), publish artifacts."""

from __future__ import annotations

from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_progress_artifact, create_table_artifact, update_progress_artifact
from prefect.cache_policies import INPUTS, NO_CACHE

from interosight_core.prepare import stage
from interosight_core.prepare.config import PrepareConfig
from interosight_core.warehouse import WarehouseRef


@task(name="prepare-inputs", cache_policy=NO_CACHE, task_run_name="prepare-inputs")
def fingerprint_prepare_inputs(store: WarehouseRef) -> str:
    """Fingerprint of what the prepare stage reads (ingest records, row counts, warehouse id)."""
    return stage.input_fingerprint(store.path)


@task(name="prepare-posts", cache_policy=INPUTS, persist_result=True, task_run_name="prepare")
def prepare_posts(cfg: PrepareConfig, inputs: str, store: WarehouseRef, code_version: str) -> dict:
    """Clean, flag, redact and score every post; build dialog examples. Cached on config + inputs + code."""
    logger = get_run_logger()
    progress_id = create_progress_artifact(progress=0.0, description="prepare stage")

    def progress(label: str, fraction: float) -> None:
        logger.info("prepare: %s", label)
        update_progress_artifact(progress_id, progress=round(fraction * 100, 1), description=f"prepare: {label}")

    report = stage.run_prepare(store.path, cfg, progress=progress)
    logger.info(
        "prepare: kept %d of %d posts; excluded %s; flags %s (safety model only: %s); %d dialog examples",
        report.kept, report.posts_in, report.excluded, report.flags, report.model_flags,
        sum(report.dialog_examples.values()),
    )
    return report.to_dict()


@task(name="prepare-plan", cache_policy=NO_CACHE, task_run_name="prepare-plan")
def plan_prepare(cfg: PrepareConfig, inputs: str, store: WarehouseRef) -> stage.PreparePlan:
    """Sharded path: the run's fingerprints, and the stored report when the warehouse already has this run."""
    return stage.plan_prepare(store.path, cfg)


@task(name="prepare-shard", cache_policy=NO_CACHE, persist_result=False, task_run_name="prepare-shard-{shard}")
def prepare_shard(cfg: PrepareConfig, store: WarehouseRef, shard: int, shards: int, out_path: str) -> int:
    """Clean, flag, score and redact one shard of the posts into its staging file (runs on a cluster worker)."""
    posts = stage.prepare_shard(store.path, cfg, shard, shards, out_path)
    get_run_logger().info("prepare: shard %d of %d staged %d posts", shard + 1, shards, posts)
    return posts


@task(name="prepare-merge", cache_policy=NO_CACHE, task_run_name="prepare-merge")
def merge_prepare_shards(cfg: PrepareConfig, store: WarehouseRef, plan: stage.PreparePlan, paths: list[str]) -> dict:
    """Merge the staged shards into the prepare tables (global max_posts ranking, dialogs, report)."""
    logger = get_run_logger()
    report = stage.merge_prepare_shards(store.path, cfg, plan, paths,
                                        progress=lambda label, _: logger.info("prepare: %s", label))
    logger.info("prepare: kept %d of %d posts from %d shards", report.kept, report.posts_in, len(paths))
    return report.to_dict()


@task(name="prepare-summary", cache_policy=NO_CACHE, task_run_name="prepare-summary")
def publish_prepare_summary(report: dict) -> None:
    """Table and markdown artifacts: exclusions, flags by family, relevance histogram, dialog splits."""
    rows = [{"what": "posts in", "count": report["posts_in"]}, {"what": "kept", "count": report["kept"]}]
    rows += [{"what": f"excluded: {reason}", "count": n} for reason, n in sorted(report["excluded"].items())]
    rows += [{"what": f"flagged: {family}", "count": n} for family, n in sorted(report["flags"].items())]
    rows += [{"what": f"flagged by the safety model only: {family}", "count": n}
             for family, n in sorted(report.get("model_flags", {}).items())]
    rows += [{"what": f"dialog examples: {split}", "count": n} for split, n in sorted(report["dialog_examples"].items())]
    create_table_artifact(key="prepare-summary", table=rows, description="Prepare stage: posts kept, excluded and flagged.")
    histogram = report["relevance_histogram"]
    bars = "\n".join(
        f"| {i / 10:.1f}–{(i + 1) / 10:.1f} | {n} | {'█' * round(40 * n / max(max(histogram), 1))} |"
        for i, n in enumerate(histogram)
    )
    by_group = "\n".join(f"| {g} | {v:.3f} | {report['kept_by_group'].get(g, 0)} |" for g, v in sorted(report["relevance_by_group"].items()))
    create_markdown_artifact(
        key="prepare-relevance",
        markdown=(
            f"## Relevance ({report['annotator']} annotator)\n\n| relevance | posts | |\n|---|---|---|\n{bars}\n\n"
            f"| forum group | mean relevance | kept |\n|---|---|---|\n{by_group}\n\n"
            f"Crisis posts routed (never training inputs): **{report['crisis_routed']}**."
        ),
        description="Relevance histogram and per-group scores after prepare.",
    )
