"""Helpers for the prepare-stage tests: build the sample warehouse, copy it, read tables."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[3]


def build_sample_warehouse(path: Path) -> Path:
    """Ingest every source of deployments/demo.yaml (the bundled sample) into a new warehouse at `path`."""
    from interosight_core.config import load_config
    from interosight_core.ingest import ingest_source

    cfg = load_config(ROOT / "deployments" / "demo.yaml")
    for source in cfg.ingest.sources:
        ingest_source(path, source.model_copy(update={"path": ROOT / source.path}))
    return path


def copy_warehouse(source: Path, target_dir: Path, name: str = "warehouse.duckdb") -> Path:
    """Copy a (closed) warehouse file into `target_dir` and return the copy's path."""
    target = Path(target_dir) / name
    shutil.copy(source, target)
    return target


def rows(path: Path, sql: str, params: list | None = None) -> list[tuple]:
    """Run a read-only query on the warehouse at `path` and return all rows."""
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()
