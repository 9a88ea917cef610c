"""Ingest tasks: fingerprint a source, load it (cached), publish a summary artifact."""

from __future__ import annotations

from prefect import get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import INPUTS, NO_CACHE

from interosight_core import ingest, warehouse
from interosight_core.config import SourceConfig
from interosight_core.warehouse import WarehouseRef


@task(name="fingerprint-source", cache_policy=NO_CACHE, task_run_name="fingerprint-{source.source_name}")
def fingerprint_source(source: SourceConfig) -> str:
    """sha256 of the source's input file or folder: the content part of the ingest cache key."""
    return ingest.source_fingerprint(source)


@task(
    name="ingest-source",
    cache_policy=INPUTS,
    persist_result=True,
    task_run_name="ingest-{source.source_name}",
)
def ingest_source(
    source: SourceConfig, sha256: str, store: WarehouseRef, max_reject_fraction: float, code_version: str
) -> dict:
    """Load one source into the warehouse (cached on content hash, source config, code version, warehouse)."""
    report = ingest.ingest_source(store.path, source, max_reject_fraction=max_reject_fraction, sha256=sha256)
    logger = get_run_logger()
    logger.info("%s: %s %s, %d rejected row(s)", report.source, report.status, report.row_counts, report.rejected_rows)
    for reject in report.first_rejects:
        logger.warning("%s: rejected line %s (%s)", report.source, reject["line"], reject["error"])
    for note in report.notes:
        logger.warning("%s: %s", report.source, note)
    return report.to_dict()


@task(name="ingest-summary", cache_policy=NO_CACHE, task_run_name="ingest-summary")
def publish_ingest_summary(reports: list[dict], store: WarehouseRef) -> list[dict]:
    """Create the table artifact of rows per source and table, with rejects, for the UI."""
    with warehouse.open_warehouse(store.path, read_only=True) as con:
        counts = warehouse.table_counts(con)
        records = {r["source"]: r for r in warehouse.ingest_records(con)}
    rows = [
        {
            "source": source,
            "table": table,
            "rows": n,
            "file": records.get(source, {}).get("source_file", ""),
            "sha256": records.get(source, {}).get("source_sha256", "")[:12],
        }
        for table, source, n in [(t, s, n) for t, s, n in counts]
    ]
    create_table_artifact(
        key="ingest-summary",
        table=rows,
        description="Warehouse rows per source and table after ingest (rejects counted in `rejects`).",
    )
    return rows
