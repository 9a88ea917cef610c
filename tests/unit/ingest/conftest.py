"""Fixtures for ingest tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def wh(tmp_path: Path) -> Path:
    """Path of a fresh warehouse file in a temporary work dir."""
    return tmp_path / "work" / "warehouse.duckdb"
