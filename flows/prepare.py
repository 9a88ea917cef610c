"""Prepare flow: clean, ED-safety flag/redact and score posts; build dialog examples.

With `scale_out` sharding the stage, the posts are split into shards that
`prepare-shard` tasks stage on the cluster's workers, then `prepare-merge`
writes them in one transaction. That path skips work through the
warehouse's own record of the run (`prepare-plan`), not the Prefect cache.
"""

from __future__ import annotations

from prefect import flow, unmapped

from interosight_core.config import DEFAULT_CONFIG, PipelineConfig, load_config
from interosight_core.prepare.config import PrepareConfig
from interosight_core.prepare.stage import prepare_code_version, shard_paths
from interosight_core.warehouse import WarehouseRef, warehouse_ref
from flows.task_runners import make_task_runner
from tasks.common import results_dir
from tasks.prepare import (
    fingerprint_prepare_inputs,
    merge_prepare_shards,
    plan_prepare,
    prepare_posts,
    prepare_shard,
    publish_prepare_summary,
)


def run_prepare_stage(cfg: PipelineConfig) -> dict:
    """Fingerprint the inputs, run the (cached) prepare task or the sharded subflow, publish the summary."""
    store = warehouse_ref(cfg.warehouse_path)
    inputs = fingerprint_prepare_inputs(store)
    if cfg.scale_out.shards("prepare"):
        sharded = prepare_sharded_flow.with_options(task_runner=make_task_runner(cfg.scale_out))
        report = sharded(cfg.prepare, inputs, store, cfg.scale_out.post_shards)
    else:
        report = prepare_posts.with_options(result_storage=results_dir(cfg))(cfg.prepare, inputs, store, prepare_code_version())
    publish_prepare_summary(report)
    return report


@flow(name="prepare-sharded", description="The prepare stage's posts in shards on a Dask or Ray cluster, merged in one transaction.")
def prepare_sharded_flow(cfg: PrepareConfig, inputs: str, store: WarehouseRef, shards: int) -> dict:
    """Plan; unless the warehouse already holds this run, stage every shard on the cluster, then merge."""
    plan = plan_prepare(cfg, inputs, store)
    if plan.unchanged:
        return plan.unchanged.to_dict()
    paths = shard_paths(store.path, plan, shards)
    staged = prepare_shard.map(unmapped(cfg), unmapped(store), list(range(shards)), unmapped(shards), paths)
    staged.wait()
    staged.result()  # raises the first shard's error
    return merge_prepare_shards(cfg, store, plan, paths)


@flow(name="prepare", description="Clean, ED-safety flag/redact and score posts; build dialog examples.")
def prepare_flow(config_path: str = str(DEFAULT_CONFIG)) -> dict:
    """Prepare stage as a flow."""
    return run_prepare_stage(load_config(config_path))
