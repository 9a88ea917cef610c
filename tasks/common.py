"""Helpers every task and flow module shares."""

from __future__ import annotations

from pathlib import Path

from interosight_core.config import PipelineConfig


def results_dir(cfg: PipelineConfig) -> Path:
    """Where cached task results (and their cache keys) live: `<work_dir>/prefect-results`."""
    path = Path(cfg.work_dir).resolve() / "prefect-results"
    path.mkdir(parents=True, exist_ok=True)
    return path
