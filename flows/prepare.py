"""Prepare flow: clean, ED-safety flag/redact and score posts; build dialog examples."""

from __future__ import annotations

from prefect import flow

from interosight_core.config import DEFAULT_CONFIG, PipelineConfig, load_config
from interosight_core.prepare.stage import prepare_code_version
from interosight_core.warehouse import warehouse_ref
from tasks.common import results_dir
from tasks.prepare import fingerprint_prepare_inputs, prepare_posts, publish_prepare_summary


def run_prepare_stage(cfg: PipelineConfig) -> dict:
    """Fingerprint the inputs, run the (cached) prepare task, publish its summary."""
    store = warehouse_ref(cfg.warehouse_path)
    inputs = fingerprint_prepare_inputs(store)
    report = prepare_posts.with_options(result_storage=results_dir(cfg))(cfg.prepare, inputs, store, prepare_code_version())
    publish_prepare_summary(report)
    return report


@flow(name="prepare", description="Clean, ED-safety flag/redact and score posts; build dialog examples.")
def prepare_flow(config_path: str = str(DEFAULT_CONFIG)) -> dict:
    """Prepare stage as a flow."""
    return run_prepare_stage(load_config(config_path))
