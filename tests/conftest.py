"""Shared test settings: a project-local Prefect home and the reference-data location."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"

# Prefect must never touch ~/.prefect or phone home from tests; ephemeral servers are slow here.
os.environ.setdefault("PREFECT_HOME", str(ROOT / ".interosight" / "test-prefect-home"))
Path(os.environ["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)  # Prefect makes only the last level
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "600")
# One embedding cache for every work dir the tests make: each sample post is embedded once per checkout.
os.environ.setdefault("INTEROSIGHT_CACHE_DIR", str(ROOT / ".interosight" / "test-cache"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """`../shared/data`, or skip: these tests read real public data present in CI, not in a user's clone."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"reference data not found at {SHARED_DATA} (only present beside the repo in CI)")
    return SHARED_DATA
