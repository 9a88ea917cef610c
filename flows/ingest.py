"""Ingest flow: every configured source into the DuckDB warehouse, one cached task each."""

from __future__ import annotations

from prefect import flow

from interosight_core.config import DEFAULT_CONFIG, PipelineConfig, load_config
from interosight_core.ingest import ingest_code_version
from interosight_core.warehouse import warehouse_ref
from tasks.common import results_dir
from tasks.ingest import fingerprint_source, ingest_source, publish_ingest_summary


def run_ingest(cfg: PipelineConfig) -> list[dict]:
    """Fingerprint and ingest each source in turn (DuckDB has one writer), then publish the summary."""
    store = warehouse_ref(cfg.warehouse_path)
    cached_ingest = ingest_source.with_options(result_storage=results_dir(cfg))
    version = ingest_code_version()
    reports = []
    for source in cfg.ingest.sources:
        sha256 = fingerprint_source(source)
        reports.append(cached_ingest(source, sha256, store, cfg.ingest.max_reject_fraction, version))
    publish_ingest_summary(reports, store)
    return reports


@flow(name="ingest", description="Load every configured source into the DuckDB warehouse.")
def ingest_flow(config_path: str = str(DEFAULT_CONFIG)) -> list[dict]:
    """Ingest stage as a flow: load the config, ingest each source (cached), summarise."""
    return run_ingest(load_config(config_path))
