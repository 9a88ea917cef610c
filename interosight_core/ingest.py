"""Ingest one configured source into the warehouse: idempotent and atomic.

`ingest_source` fingerprints the input, skips it when the warehouse already
holds that exact content (same sha256, source config and code version),
otherwise parses it into temp staging tables, checks the reject rate, and
replaces the source's rows in a single transaction. Any failure leaves the
warehouse exactly as it was.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from types import ModuleType

from interosight_core import warehouse
from interosight_core.config import SourceConfig
from interosight_core.errors import SourceError
from interosight_core.fingerprint import code_version, config_hash, path_sha256
from interosight_core.sources import annomi, context_response, counselchat, dataverse, sessions, tool_calls
from interosight_core.sources.common import Reject, Target

log = logging.getLogger(__name__)

SOURCE_MODULES: dict[str, ModuleType] = {
    "dataverse": dataverse,
    "counselchat": counselchat,
    "annomi": annomi,
    "context_response": context_response,
    "sessions": sessions,
    "tool_calls": tool_calls,
}


def ingest_code_version() -> str:
    """Version of the code that decides what ingestion writes (sources + warehouse + this module)."""
    return code_version("sources", "warehouse", "ingest")


@dataclass
class IngestReport:
    """What one source's ingestion did (small, JSON-serialisable)."""

    source: str
    kind: str
    source_file: str
    source_sha256: str
    status: str  # "ingested" or "unchanged"
    row_counts: dict[str, int] = field(default_factory=dict)
    input_rows: int = 0
    rejected_rows: int = 0
    first_rejects: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        """Return the report as a plain dict."""
        return asdict(self)


def _scratch_root() -> str | None:
    """Extract archives to RAM (/dev/shm) when the machine has it: the files are read once, then deleted."""
    shm = "/dev/shm"
    return shm if os.path.isdir(shm) and os.access(shm, os.W_OK) else None


def source_fingerprint(cfg: SourceConfig) -> str:
    """sha256 of a source's input file or folder (fails with one line when it is missing)."""
    if not Path(cfg.path).exists():
        raise SourceError(f"{cfg.path}: {cfg.kind} input not found (check the `path` in your config)")
    return path_sha256(Path(cfg.path))


def ingest_source(
    warehouse_path: Path | str,
    cfg: SourceConfig,
    max_reject_fraction: float = 0.05,
    sha256: str | None = None,
) -> IngestReport:
    """Load one source into the warehouse; unchanged input is a no-op. Raises `SourceError`."""
    sha256 = sha256 or source_fingerprint(cfg)
    cfg_hash, version = config_hash(cfg), ingest_code_version()
    name = cfg.source_name
    with warehouse.open_warehouse(warehouse_path) as con:
        previous = con.execute(
            "SELECT source_sha256, config_hash, code_version, row_counts, rejected_rows FROM ingests WHERE source = ?",
            [name],
        ).fetchone()
        if previous and previous[:3] == (sha256, cfg_hash, version):
            log.info("%s: unchanged (%s), nothing to do", name, sha256[:12])
            return IngestReport(name, cfg.kind, str(cfg.path), sha256, "unchanged",
                                row_counts=json.loads(previous[3]), rejected_rows=previous[4])
        now = datetime.now(timezone.utc).replace(tzinfo=None)
        target = Target(name, str(cfg.path), sha256, now)
        started = time.perf_counter()
        # Staging runs inside the transaction so large tables can be written once, directly;
        # any error (bad input, too many rejects) rolls everything back.
        with warehouse.transaction(con), tempfile.TemporaryDirectory(
            prefix="interosight-ingest-", dir=_scratch_root()
        ) as scratch:
            warehouse.delete_source_rows(con, name)
            staged = SOURCE_MODULES[cfg.kind].stage(con, cfg, Path(scratch), target)
            total = max(staged.input_rows, 1)
            if staged.rejects and len(staged.rejects) / total > max_reject_fraction:
                first = staged.rejects[0]
                raise SourceError(
                    f"{cfg.path}: {len(staged.rejects)} of {staged.input_rows} rows cannot be ingested "
                    f"(more than max_reject_fraction={max_reject_fraction}); first at line {first.line}: {first.error}"
                )
            staged_at = time.perf_counter()
            counts: dict[str, int] = dict(staged.written)
            for table, stage_table in staged.tables.items():
                counts[table] = con.execute(
                    f"INSERT INTO {table} BY NAME SELECT *, {target.lineage_sql()} FROM {stage_table}"
                ).fetchone()[0]
            _insert_rejects(con, name, staged.rejects, [str(cfg.path), sha256, now])
            con.execute(
                "INSERT OR REPLACE INTO ingests VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [name, cfg.kind, str(cfg.path), sha256, cfg_hash, version, now, json.dumps(counts), len(staged.rejects)],
            )
        for stage_table in staged.tables.values():
            con.execute(f"DROP TABLE IF EXISTS {stage_table}")
    log.info(
        "%s: ingested %s, %d rejected (parse %.2fs, write %.2fs)",
        name, counts, len(staged.rejects), staged_at - started, time.perf_counter() - staged_at,
    )
    return IngestReport(
        name, cfg.kind, str(cfg.path), sha256, "ingested", row_counts=counts, input_rows=staged.input_rows,
        rejected_rows=len(staged.rejects), first_rejects=[asdict(r) for r in staged.rejects[:5]], notes=staged.notes,
    )


def _insert_rejects(con, source: str, rejects: list[Reject], lineage: list) -> None:
    if rejects:
        con.executemany(
            "INSERT INTO rejects VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [[source, r.line, r.column, r.error, r.raw, *lineage] for r in rejects],
        )
