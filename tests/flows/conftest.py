"""Flow tests run against one Prefect test-harness server per session."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session", autouse=True)
def prefect_server():
    """A temporary Prefect API (SQLite) shared by every flow test in the session."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield


def demo_config_copy(tmp_path: Path, **overrides) -> Path:
    """Copy deployments/demo.yaml with absolute sample paths and a private work_dir; return its path."""
    data = yaml.safe_load((ROOT / "deployments" / "demo.yaml").read_text())
    for source in data["ingest"]["sources"]:
        source["path"] = str(ROOT / source["path"])
    data["work_dir"] = str(tmp_path / "work")
    data.update(overrides)
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(data))
    return path
