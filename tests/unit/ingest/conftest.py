"""Fixtures for ingest tests: a warehouse path and a snapshot helper."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from interosight_core import warehouse  # noqa: E402


@pytest.fixture
def wh(tmp_path: Path) -> Path:
    """Path of a fresh warehouse file in a temporary work dir."""
    return tmp_path / "work" / "warehouse.duckdb"


def snapshot(path: Path) -> tuple:
    """Everything observable in a warehouse: row counts per table/source and the ingest records."""
    with warehouse.open_warehouse(path, read_only=True) as con:
        return tuple(warehouse.table_counts(con)), tuple(
            tuple(sorted(r.items())) for r in warehouse.ingest_records(con)
        )
