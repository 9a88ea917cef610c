"""Helpers for flow tests: private copies of the demo config."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def demo_config_copy(tmp_path: Path, name: str = "config.yaml", **overrides) -> Path:
    """Copy deployments/demo.yaml with absolute sample paths and a private work_dir; return its path."""
    data = yaml.safe_load((ROOT / "deployments" / "demo.yaml").read_text())
    for source in data["ingest"]["sources"]:
        source["path"] = str(ROOT / source["path"])
    data["work_dir"] = str(tmp_path / "work")
    data.update(overrides)
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data))
    return path
